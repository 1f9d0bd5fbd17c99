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

// Value checks shared with the command validator (commands.ts): one copy of each in the image.

/** A JSON object: not null, an array or a value of another type. */
export function isObject(v: any): boolean {
    if (v == null) return false
    if (typeof v !== "object") return false
    return !Array.isArray(v)
}

/** A number from lo to hi (NaN is not; nor a string or boolean that would compare as one). */
export function inRange(v: any, lo: number, hi: number): boolean {
    if (typeof v !== "number") return false
    if (v < lo) return false
    return v <= hi
}

/** A whole number from lo to hi (the infinities count as whole, as Math.floor leaves them). */
export function wholeIn(v: any, lo: number, hi: number): boolean {
    if (!inRange(v, lo, hi)) return false
    return Math.floor(v) === v
}

/** Problems with a pack configuration on a board, one sentence each; empty when it is usable. */
export function checkPackConfig(p: any, limits: PackLimits): string[] {
    const out: string[] = []
    if (!isObject(p)) return ["a pack configuration must be an object"]
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
    if (!wholeIn(s, -Infinity, Infinity)) out.push("series must be a whole number of cells, got " + quote(s))
    else if (!inRange(s, lo, hi)) out.push(`${s}S is outside this board's ${lo}S-${hi}S range (its AFE and charger)`)
    const n = p.parallel
    const maxP = limits.maxParallel
    if (!wholeIn(n, 1, maxP)) out.push(`parallel must be a whole number 1..${maxP}, got ${quote(n)}`)
    const q = p.cellCapacity_mAh
    if (!inRange(q, 100, 1000000)) out.push("cellCapacity_mAh must be a number 100..1000000, got " + quote(q))
    return out
}
