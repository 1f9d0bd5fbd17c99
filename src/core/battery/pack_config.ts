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
    // (NaN is not: its floor is not itself.)
    return typeof v === "number" && Math.floor(v) === v
}

/** Problems with a pack configuration on a board, one sentence each; empty when it is usable. */
export function checkPackConfig(p: any, limits: PackLimits): string[] {
    const out: string[] = []
    if (p === null || typeof p !== "object" || Array.isArray(p)) return ["a pack configuration must be an object"]
    const fields = ["chemistry", "series", "parallel", "cellCapacity_mAh"]
    for (const k of Object.keys(p))
        if (fields.indexOf(k) < 0) {
            // The first one only: a reason must not grow with its input.
            out.push(`unknown field '${clip(k)}'`)
            break
        }
    const chem = p.chemistry
    let knownChem = false
    if (typeof chem === "string") if (chemistryById(chem)) knownChem = true
    if (!knownChem) out.push(`chemistry must be one of ${chemistryIds().join(", ")}, got ${quote(chem)}`)
    const s = p.series
    const lo = limits.minSeries
    const hi = limits.maxSeries
    if (!isInt(s)) out.push("series must be a whole number of cells, got " + quote(s))
    else if (s < lo || s > hi) out.push(`${s}S is outside this board's ${lo}S-${hi}S range (its AFE and charger)`)
    const n = p.parallel
    const maxP = limits.maxParallel
    let fits = false
    if (isInt(n)) if (!(n < 1)) if (!(n > maxP)) fits = true
    if (!fits) out.push(`parallel must be a whole number 1..${maxP}, got ${quote(n)}`)
    const q = p.cellCapacity_mAh
    let inRange = false
    if (typeof q === "number") if (q >= 100) if (q <= 1000000) inRange = true
    if (!inRange) out.push("cellCapacity_mAh must be a number 100..1000000, got " + quote(q))
    return out
}
