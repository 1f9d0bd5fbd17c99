// What the battery estimator learned, kept across restarts and power cuts: capacity per group, SOC,
// current-sensor calibration, resistance factors, lifetime counters. Stored as small integer records
// (DeviceScript settings: keys <= 13 characters, values well under ~230 bytes), each checked on the way
// back in; a record that is missing or fails its check falls back to a safe default and says so.
import { LearnedState } from "./estimator"

export const KEY_CAPACITY = "bat.cap"
export const KEY_SOC = "bat.soc"
export const KEY_CAL = "bat.cal"
export const KEY_COUNTERS = "bat.cnt"
export const BATTERY_KEYS = [KEY_CAPACITY, KEY_SOC, KEY_CAL, KEY_COUNTERS]
const VERSION = 1

function isIntArray(v: any, n: number, lo: number, hi: number): boolean {
    if (!Array.isArray(v) || v.length !== n) return false
    for (const x of v) if (typeof x !== "number" || Math.floor(x) !== x || x < lo || x > hi) return false
    return true
}

function isIntIn(v: any, lo: number, hi: number): boolean {
    return typeof v === "number" && Math.floor(v) === v && v >= lo && v <= hi
}

function isRecord(v: any): boolean {
    return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v) && v.v === VERSION
}

/** The records to write for a learned state. */
export function encodeLearned(s: LearnedState): { [key: string]: any } {
    const out: { [key: string]: any } = {}
    out[KEY_CAPACITY] = { v: VERSION, q: s.q_Ah.map(x => Math.round(x * 1000)), qs: s.qSigma_Ah.map(x => Math.round(x * 1000)), n: s.capacityLearned }
    out[KEY_SOC] = { v: VERSION, s: s.soc.map(x => Math.round(x * 10000)), ss: s.socSigma.map(x => Math.round(x * 10000)), r: s.rFactor.map(x => Math.round(x * 1000)) }
    out[KEY_CAL] = { v: VERSION, o: Math.round(s.offset_A * 1e6), os: Math.round(s.offsetSigma_A * 1e6), g: Math.round(s.gain * 1e6), gs: Math.round(s.gainSigma * 1e6) }
    out[KEY_COUNTERS] = { v: VERSION, d: Math.round(s.dischargeAh * 1000), i: Math.round(s.energyIn_Wh * 1000), o: Math.round(s.energyOut_Wh * 1000) }
    return out
}

export interface DecodedLearned {
    /** The state to restore, or undefined when the SOC/capacity records are unusable (start fresh). */
    state: LearnedState
    /** One sentence per record that was missing or refused. */
    problems: string[]
}

function present(x: any): boolean {
    return x !== undefined && x !== null
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
    const cap = read(KEY_CAPACITY)
    const soc = read(KEY_SOC)
    const cal = read(KEY_CAL)
    const cnt = read(KEY_COUNTERS)
    if (!present(cap) && !present(soc) && !present(cal) && !present(cnt)) return { state: undefined, problems }
    const maxQ = Math.round(nominal_Ah * 1000 * 2)
    const capOk = isRecord(cap) && isIntArray(cap.q, series, 1, maxQ) && isIntArray(cap.qs, series, 0, maxQ) && isIntIn(cap.n, 0, 1e9)
    const socOk = isRecord(soc) && isIntArray(soc.s, series, -5000, 15000) && isIntArray(soc.ss, series, 0, 10000) && isIntArray(soc.r, series, 100, 10000)
    const calOk = isRecord(cal) && isIntIn(cal.o, -1e6, 1e6) && isIntIn(cal.os, 0, 1e6) && isIntIn(cal.g, -200000, 200000) && isIntIn(cal.gs, 0, 200000)
    const cntOk = isRecord(cnt) && isIntIn(cnt.d, 0, 2e12) && isIntIn(cnt.i, 0, 2e12) && isIntIn(cnt.o, 0, 2e12)
    const say = (x: any, ok: boolean, what: string, then: string) => {
        if (!present(x)) problems.push(what + " missing: " + then)
        else if (!ok) problems.push(what + " unusable: " + then)
    }
    say(cap, capOk, "saved capacity (" + KEY_CAPACITY + ")", "capacity back to the label, health unknown")
    say(soc, socOk, "saved state of charge (" + KEY_SOC + ")", "it will be measured again")
    say(cal, calOk, "saved current calibration (" + KEY_CAL + ")", "calibrating again")
    say(cnt, cntOk, "saved lifetime counters (" + KEY_COUNTERS + ")", "they restart at zero")
    const label: number[] = []
    const labelSig: number[] = []
    const ones: number[] = []
    for (let i = 0; i < series; i++) {
        label.push(nominal_Ah)
        labelSig.push(nominal_Ah * labelSigma)
        ones.push(1)
    }
    // The defaults, then each usable record over them.
    const state: LearnedState = {
        q_Ah: label,
        qSigma_Ah: labelSig,
        capacityLearned: 0,
        soc: [],
        socSigma: [],
        rFactor: ones,
        offset_A: 0,
        offsetSigma_A: 0.05,
        gain: 0,
        gainSigma: 0.03,
        dischargeAh: 0,
        energyIn_Wh: 0,
        energyOut_Wh: 0,
    }
    if (capOk) {
        state.q_Ah = cap.q.map((x: number) => x / 1000)
        state.qSigma_Ah = cap.qs.map((x: number) => x / 1000)
        state.capacityLearned = cap.n
    }
    if (socOk) {
        state.soc = soc.s.map((x: number) => x / 10000)
        state.socSigma = soc.ss.map((x: number) => x / 10000)
        state.rFactor = soc.r.map((x: number) => x / 1000)
    }
    if (calOk) {
        state.offset_A = cal.o / 1e6
        state.offsetSigma_A = cal.os / 1e6
        state.gain = cal.g / 1e6
        state.gainSigma = cal.gs / 1e6
    }
    if (cntOk) {
        state.dischargeAh = cnt.d / 1000
        state.energyIn_Wh = cnt.i / 1000
        state.energyOut_Wh = cnt.o / 1000
    }
    return { state, problems }
}

/**
 * When to write: the SOC record when any group moved 1 % since the last save (or every 10 minutes), the
 * capacity record when a capacity was learned, the others every 10 minutes. The settings writer's budget
 * still bounds the rate.
 */
export class BatterySaver {
    private savedSoc: number[] = []
    private savedLearned = -1
    private lastSave_s = -1e9
    private savedEnergy_Wh = 0

    due(s: LearnedState, now_s: number): string[] {
        const keys: string[] = []
        let moved = this.savedSoc.length !== s.soc.length
        for (let i = 0; !moved && i < s.soc.length; i++) if (Math.abs(s.soc[i] - this.savedSoc[i]) >= 0.01) moved = true
        const periodic = now_s - this.lastSave_s >= 600
        // The energy counters are saved every 1 % of the pack's energy moved (3.2 V a cell: the lowest
        // nominal voltage of the presets), so a power loss, or a reset, which DeviceScript cannot announce,
        // loses at most that much counting.
        let q_Ah = 0
        for (const q of s.q_Ah) q_Ah += q
        const energy_Wh = s.energyIn_Wh + s.energyOut_Wh
        const counted = energy_Wh - this.savedEnergy_Wh >= 0.01 * q_Ah * 3.2
        if (moved || periodic) keys.push(KEY_SOC)
        if (counted || periodic) {
            keys.push(KEY_COUNTERS)
            this.savedEnergy_Wh = energy_Wh
        }
        if (s.capacityLearned !== this.savedLearned) keys.push(KEY_CAPACITY)
        if (periodic) {
            keys.push(KEY_CAL)
            if (keys.indexOf(KEY_CAPACITY) < 0) keys.push(KEY_CAPACITY)
        }
        if (keys.indexOf(KEY_SOC) >= 0) {
            this.savedSoc = s.soc.slice(0)
            if (periodic) this.lastSave_s = now_s
        }
        this.savedLearned = s.capacityLearned
        return keys
    }
}
