// The pack the box is built with: chemistry, cells in series and in parallel, and the nominal capacity
// of one cell. Set by the owner (through the command validator), saved, and checked against what the
// board can carry.
import { chemistryById, chemistryIds } from "./chemistry"
import { clip, quote } from "../fmt"

export interface PackConfig {
    chemistry: string
    series: number
    parallel: number
    /** Nominal (label) capacity of one cell, mAh. The firmware measures the real one. */
    cellCapacity_mAh: number
}

/** What a board's AFE and charger support. */
export interface PackLimits {
    minSeries: number
    maxSeries: number
    maxParallel: number
}

export function referencePackConfig(): PackConfig {
    return { chemistry: "NMC", series: 4, parallel: 2, cellCapacity_mAh: 4000 }
}

export function packCapacity_mAh(p: PackConfig): number {
    return p.cellCapacity_mAh * p.parallel
}

function isInt(v: any): boolean {
    return typeof v === "number" && Math.floor(v) === v && v === v
}

/** Problems with a pack configuration on a board, one sentence each; empty when it is usable. */
export function checkPackConfig(p: any, limits: PackLimits): string[] {
    const out: string[] = []
    if (p === null || p === undefined || typeof p !== "object" || Array.isArray(p)) return ["a pack configuration must be an object"]
    for (const k of Object.keys(p))
        if (["chemistry", "series", "parallel", "cellCapacity_mAh"].indexOf(k) < 0) {
            // The first one only: a reason must not grow with its input.
            out.push(`unknown field '${clip(k)}'`)
            break
        }
    if (typeof p.chemistry !== "string" || !chemistryById(p.chemistry))
        out.push(`chemistry must be one of ${chemistryIds().join(", ")}, got ${quote(p.chemistry)}`)
    if (!isInt(p.series)) out.push("series must be a whole number of cells, got " + quote(p.series))
    else if (p.series < limits.minSeries || p.series > limits.maxSeries)
        out.push(`${p.series}S is outside this board's ${limits.minSeries}S-${limits.maxSeries}S range (its AFE and charger)`)
    if (!isInt(p.parallel) || p.parallel < 1 || p.parallel > limits.maxParallel)
        out.push(`parallel must be a whole number 1..${limits.maxParallel}, got ${quote(p.parallel)}`)
    if (typeof p.cellCapacity_mAh !== "number" || !(p.cellCapacity_mAh >= 100 && p.cellCapacity_mAh <= 1000000))
        out.push("cellCapacity_mAh must be a number 100..1000000, got " + quote(p.cellCapacity_mAh))
    return out
}
