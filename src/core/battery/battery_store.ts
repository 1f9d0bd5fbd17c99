// What the battery estimator learned, kept across restarts and power cuts: capacity per group, SOC,
// current-sensor calibration, resistance factors, lifetime counters. Stored as small integer records
// (DeviceScript settings: keys <= 13 characters, values well under ~230 bytes), each checked on the way
// back in; a record that is missing or fails its check falls back to a safe default and says so.
import { LearnedState } from "./estimator"
import { wholeIn } from "./pack_config"

export const KEY_CAPACITY = "bat.cap"
export const KEY_SOC = "bat.soc"
export const KEY_CAL = "bat.cal"
export const KEY_COUNTERS = "bat.cnt"
export const BATTERY_KEYS = [KEY_CAPACITY, KEY_SOC, KEY_CAL, KEY_COUNTERS]
const VERSION = 1

/**
 * The stored fields, a row each: the LearnedState field; its record (index in BATTERY_KEYS) and name there;
 * the scale (stored as round(value * scale), restored as stored / scale); the range a stored value must lie
 * in (hi -1: twice the label capacity, mAh); 1 for a list with a value per group, 0 for one value.
 * A record's rows are together and in its key order (the stored JSON keeps that order). JSON, parsed per
 * use: in DeviceScript a string literal is data while an array literal is code, and a table parsed once would
 * keep its strings on the heap for good.
 */
function fields(): any[] {
    return JSON.parse(
        "[" +
        '"q_Ah", 0, "q", 1000, 1, -1, 1,' +
        '"qSigma_Ah", 0, "qs", 1000, 0, -1, 1,' +
        '"capacityLearned", 0, "n", 1, 0, 1e9, 0,' +
        '"soc", 1, "s", 10000, -5000, 15000, 1,' +
        '"socSigma", 1, "ss", 10000, 0, 10000, 1,' +
        '"rFactor", 1, "r", 1000, 100, 10000, 1,' +
        '"offset_A", 2, "o", 1e6, -1e6, 1e6, 0,' +
        '"offsetSigma_A", 2, "os", 1e6, 0, 1e6, 0,' +
        '"gain", 2, "g", 1e6, -200000, 200000, 0,' +
        '"gainSigma", 2, "gs", 1e6, 0, 200000, 0,' +
        '"dischargeAh", 3, "d", 1000, 0, 2e12, 0,' +
        '"energyIn_Wh", 3, "i", 1000, 0, 2e12, 0,' +
        '"energyOut_Wh", 3, "o", 1000, 0, 2e12, 0' +
        "]",
    )
}
const ROW = 7

/** Stored integers in [lo, hi]: a list of n when n >= 0, else a single value. */
function isInts(v: any, n: number, lo: number, hi: number): boolean {
    if (n < 0) return wholeIn(v, lo, hi)
    if (!Array.isArray(v)) return false
    if (v.length !== n) return false
    for (const x of v) if (!wholeIn(x, lo, hi)) return false
    return true
}

/** A value (or each of a list) to its stored integer (round(x * scale)) or back (x / scale). */
function convert(v: any, scale: number, store: boolean, list: boolean): any {
    if (!list) return store ? Math.round(v * scale) : v / scale
    const out: number[] = []
    for (const x of v) out.push(convert(x, scale, store, false))
    return out
}

/** The records to write for a learned state. */
export function encodeLearned(s: LearnedState): { [key: string]: any } {
    const out: { [key: string]: any } = {}
    for (const k of BATTERY_KEYS) out[k] = { v: VERSION }
    const st: any = s
    const F = fields()
    for (let f = 0; f < F.length; f += ROW) out[BATTERY_KEYS[F[f + 1]]][F[f + 2]] = convert(st[F[f]], F[f + 3], true, F[f + 6] === 1)
    return out
}

export interface DecodedLearned {
    /** The state to restore, or undefined when the SOC/capacity records are unusable (start fresh). */
    state: LearnedState
    /** One sentence per record that was missing or refused. */
    problems: string[]
}

/**
 * Rebuild a learned state for a pack of `series` groups from stored records (`read(key)` gives the value
 * or undefined). Each record falls back on its own, so one damaged record never takes the others (the
 * lifetime counters above all) with it: capacity to the label, SOC to "measure again" (an empty list),
 * calibration to none, counters to zero. Nothing saved (or everything cleared for a new pack) is a fresh
 * start without complaint; a record missing while others exist, or one that is malformed, is said.
 */
export function decodeLearned(read: (key: string) => any, series: number, nominal_Ah: number, labelSigma = 0.15): DecodedLearned {
    const problems: string[] = []
    const recs: any[] = []
    const ok: boolean[] = []
    let anySaved = false
    for (const k of BATTERY_KEYS) {
        const r = read(k)
        recs.push(r)
        // A record is an object of this version (a number, a string or a list has no `v`).
        let good = false
        if (r != null) {
            anySaved = true
            good = r.v === VERSION
        }
        ok.push(good)
    }
    if (!anySaved) return { state: undefined, problems }
    const maxQ = Math.round(nominal_Ah * 1000 * 2)
    const F = fields()
    for (let f = 0; f < F.length; f += ROW) {
        const i = F[f + 1]
        let n = -1
        if (F[f + 6] === 1) n = series
        let hi = F[f + 5]
        if (hi < 0) hi = maxQ
        if (ok[i]) if (!isInts(recs[i][F[f + 2]], n, F[f + 4], hi)) ok[i] = false
    }
    // Per record (BATTERY_KEYS' order): what it holds, and what happens without it (JSON: image data).
    const says = JSON.parse(
        '["saved capacity", "capacity back to the label, health unknown", "saved state of charge", "it will be measured again",' +
        ' "saved current calibration", "calibrating again", "saved lifetime counters", "they restart at zero"]',
    )
    for (let i = 0; i < recs.length; i++)
        if (!ok[i]) problems.push(`${says[2 * i]} (${BATTERY_KEYS[i]})${recs[i] != null ? " unusable: " : " missing: "}${says[2 * i + 1]}`)
    // Fallbacks in F' order: the label capacity, no SOC (NaN: an empty list, measured again), resistances
    // as typical, no calibration, counters at zero.
    const fallback = [nominal_Ah, nominal_Ah * labelSigma, 0, NaN, NaN, 1, 0, 0.05, 0, 0.03, 0, 0, 0]
    const state: any = {}
    for (let f = 0; f < F.length; f += ROW) {
        const i = F[f + 1]
        const list = F[f + 6] === 1
        const fb = fallback[f / ROW]
        let v: any = fb
        if (ok[i]) v = convert(recs[i][F[f + 2]], F[f + 3], false, list)
        else if (list) {
            v = []
            if (fb === fb) for (let g = 0; g < series; g++) v.push(fb)
        }
        state[F[f]] = v
    }
    return { state, problems }
}

/**
 * When to write: the SOC record when any group moved 1 % since the last save (or every 10 minutes), the
 * capacity record when a capacity was learned, the others every 10 minutes. The settings writer's budget
 * still bounds the rate.
 */
export class BatterySaver {
    savedSoc: number[] = []
    /** (Undefined before the first call: the capacity record is due then.) */
    savedLearned: number
    lastSave_s = -Infinity
    savedEnergy_Wh = 0
}

/** The records (keys) due to be written for this learned state at now_s; notes them as saved. */
export function saveDue(saver: BatterySaver, s: LearnedState, now_s: number): string[] {
    const keys: string[] = []
    const soc = s.soc
    const saved = saver.savedSoc
    const periodic = now_s - saver.lastSave_s >= 600
    let socDue = periodic
    if (saved.length !== soc.length) socDue = true
    for (let i = 0; i < soc.length; i++) if (Math.abs(soc[i] - saved[i]) >= 0.01) socDue = true
    if (socDue) {
        keys.push(KEY_SOC)
        saver.savedSoc = soc.slice(0)
        if (periodic) saver.lastSave_s = now_s
    }
    // The energy counters are saved every 1 % of the pack's energy moved (3.2 V a cell: the lowest
    // nominal voltage of the presets), so a power loss, or a reset, which DeviceScript cannot announce,
    // loses at most that much counting.
    let q_Ah = 0
    for (const q of s.q_Ah) q_Ah += q
    const energy_Wh = s.energyIn_Wh + s.energyOut_Wh
    let countersDue = periodic
    if (energy_Wh - saver.savedEnergy_Wh >= 0.01 * q_Ah * 3.2) countersDue = true
    if (countersDue) {
        keys.push(KEY_COUNTERS)
        saver.savedEnergy_Wh = energy_Wh
    }
    const learned = s.capacityLearned !== saver.savedLearned
    if (learned) keys.push(KEY_CAPACITY)
    if (periodic) {
        keys.push(KEY_CAL)
        if (!learned) keys.push(KEY_CAPACITY)
    }
    saver.savedLearned = s.capacityLearned
    return keys
}
