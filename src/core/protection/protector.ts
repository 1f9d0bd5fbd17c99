// The protection supervisor: every tick it judges each fault in the catalogue (rules.ts) against the
// latest readings, and says what must be off: single outputs, charging, discharging (every output and
// the AFE's DSG FET). It logs each trip, release and clear with the value at that moment (fault_log.ts).
// It decides; the supervisor applies. Portable.
import { Chemistry } from "../battery/chemistry"
import { FaultLog, faultLogAdd } from "./fault_log"
import { FAULT_RELEASED, FAULT_TRIPPED, FF, clearFaultLatch, evaluateFault, faultAction, faultQuantity, relatchFault, FLAG_LATCHING } from "./fault"
import { ACTION_ALL, ACTION_CHANNEL, ACTION_CHARGE, ACTION_DISCHARGE, CELL_MAX_PLAUSIBLE_mV, CELL_MIN_PLAUSIBLE_mV, FaultTable, PackProtectionConfig, channelRules, packRules, ruleWhat, rulesFrom, Q_NONE, Q_STAGE_TEMP, Q_OFF_CURRENT, Q_OUT_VOLTAGE, Q_AFE_AGE, Q_STUCK, Q_CELL_MIN_RAW, Q_CELL_MAX_RAW, Q_TEMP_SANITY, Q_CELL_MAX, Q_CELL_MIN, Q_DISCHARGE, Q_CHARGE, Q_CELL_TEMP, Q_BOARD_TEMP, Q_KIRCHHOFF, Q_AFE_TRIP, faultId, faultIndex } from "./rules"

/** Pessimistic efficiency of a regulated output stage (the plant's are 0.90-0.95). */
export const STAGE_EFF_MIN = 0.85

export interface ChannelReading {
    /** The output is switched on (its readings describe a live output). */
    on: boolean
    fresh: boolean
    voltage_mV: number
    current_mA: number
    power_mW: number
    /** Fed straight from the pack (its current is pack current); otherwise through a regulated stage. */
    direct: boolean
    dieTemp_C: number
}

export interface ProtectionInputs {
    now_ms: number
    /** The AFE's latest cells, mV (empty before the first reading). */
    cell_mV: number[]
    /** Age of the AFE's latest reading, ms (a large number when it never answered), and its read period. */
    afeAge_ms: number
    afePeriod_ms: number
    /** Pack current, discharge positive, mA. */
    pack_mA: number
    cellTemp_C: number
    boardTemp_C: number
    channels: ChannelReading[]
    /** The box's own draw, mA (Kirchhoff check). */
    quiescent_mA: number
    /** The AFE's own trips (its Safety Status, as AFE_* bits below): the hardware layer acted. */
    afeTrips: number
}

/** The AFE's hardware trips, as the protector sees them (bit k is the k-th id of AFE_IDS). */
export const AFE_COV = 1
export const AFE_CUV = 2
export const AFE_SCD = 4
export const AFE_OCD = 8
export const AFE_OCC = 16
/** The AFE's temperature trips: out of the charge window, out of the discharge window. */
export const AFE_TEMP_CHG = 32
export const AFE_TEMP_DSG = 64
/** The rule judging each AFE_* bit, in bit order. */
const AFE_IDS = ["afe.cov", "afe.cuv", "afe.scd", "afe.ocd", "afe.occ", "afe.temp.charge", "afe.temp.discharge"]

export type ProtectionNote = (channel: number, kind: string, message: string) => void

/** A temperature outside these is a broken sensor, not the pack. */
const TEMP_MIN_PLAUSIBLE_C = -40
const TEMP_MAX_PLAUSIBLE_C = 125
/** Read periods without a fresh pack reading before the pack is "unseen". */
const AFE_STALE_PERIODS = 3.5
/** Identical cell readings for this long while current flows: a frozen ADC. */
const STUCK_ms = 60000

// An open sense wire or a cell-count mismatch reads a cell near 0 V: a person must look. The AFE's own trips
// (afe.*): its FETs are already off; the firmware follows, logs, and for a short circuit, a cell past its
// limits or a deep discharge waits for a person. Row format: rulesFrom() in rules.ts.
const SENSOR_RULES = [
    "sensor.cell.open|a cell input reads near 0 V (open wire or cell count mismatch)|0|mV|1000|0|6|1|trip|6",
    "sensor.cell.range|a cell reading is out of any cell's range|1|mV|1000|0|6|0|trip|7",
    "sensor.temp.range|a temperature reading is implausible|1||2000|0|6|0|trip|8",
    "sensor.afe.stale|no fresh pack reading (AFE silent)|1|periods|0|0|6|0|trip|4",
    "sensor.afe.stuck|the pack readings are frozen while current flows|1|ms|0|0|6|0|trip|5",
    "afe.scd|the AFE cut a short circuit|1||0|0|6|1|trip|16",
    "afe.cov|the AFE cut a cell over-voltage|1||0|0|6|1|trip|16",
    "afe.cuv|the AFE cut a cell under-voltage|1||0|0|6|1|trip|16",
    "afe.ocd|the AFE cut a discharge over-current|1||0|10000|4|0|trip|16",
    "afe.occ|the AFE cut a charge over-current|1||0|10000|2|0|trip|16",
    "afe.temp.charge|the AFE stopped charging: cells outside its charge temperatures|1||0|0|2|0|trip|16",
    "afe.temp.discharge|the AFE stopped discharging: cells outside its discharge temperatures|1||0|0|4|0|trip|16",
]

function sensorRules(t: FaultTable): void {
    // prettier-ignore
    rulesFrom(t, SENSOR_RULES, [
        CELL_MIN_PLAUSIBLE_mV, CELL_MIN_PLAUSIBLE_mV + 1, // sensor.cell.open
        CELL_MAX_PLAUSIBLE_mV, CELL_MAX_PLAUSIBLE_mV - 1, // sensor.cell.range
        0, 1, // sensor.temp.range
        AFE_STALE_PERIODS, AFE_STALE_PERIODS - 0.01, // sensor.afe.stale
        STUCK_ms, 1, // sensor.afe.stuck
        0.5, 0.5, // afe.scd
        0.5, 0.5, // afe.cov
        0.5, 0.5, // afe.cuv
        0.5, 0.5, // afe.ocd
        0.5, 0.5, // afe.occ
        0.5, 0.5, // afe.temp.charge
        0.5, 0.5, // afe.temp.discharge
    ], 0)
}

/** The fault table and its state; the module functions below judge it (a method would cost prototype space). */
export class Protector implements FaultTable {
    /** Fault k: its catalogue row and its record (fault.ts); its id is faultId(). */
    readonly rows: string[] = []
    readonly faults: number[][] = []
    /** Where trips, releases and clears are logged, and how the supervisor hears of them. */
    log: FaultLog
    note: ProtectionNote
    lastCells: number[] = []
    /** Since when the cell readings have been frozen while current flows (-1: they are not). */
    stuckSince_ms = -1

    constructor(chem: Chemistry, cfg: PackProtectionConfig, outputs: { minOut_mV: number; maxOut_mV: number }[], log: FaultLog, note: ProtectionNote) {
        this.log = log
        this.note = note
        packRules(this, chem, cfg)
        sensorRules(this)
        channelRules(this, outputs, cfg)
    }

    /** Ids of the latched faults (saved, so a restart cannot clear what needs a person). */
    latchedIds(): string[] {
        const out: string[] = []
        const faults = this.faults
        for (let k = 0; k < faults.length; k++) if (faults[k][FF.LATCHED] !== 0) out.push(faultId(this, k))
        return out
    }
}

/** 1 for a temperature no sensor could give, else 0 (NaN is no reading: 0, its compares are false). */
function tempImplausible(t: number): number {
    if (t < TEMP_MIN_PLAUSIBLE_C) return 1
    if (t > TEMP_MAX_PLAUSIBLE_C) return 1
    return 0
}

/** Judge every fault on the latest readings; trips and releases are logged and told. */
export function protectorEvaluate(p: Protector, inp: ProtectionInputs): void {
    const cells = inp.cell_mV
    const now_ms = inp.now_ms
    let cellMax = -1e9
    let cellMin = 1e9
    for (const v of cells) {
        if (v > cellMax) cellMax = v
        if (v < cellMin) cellMin = v
    }
    // Frozen readings: the same cells to the millivolt while at least C/20-ish current flows.
    const last = p.lastCells
    let same = cells.length === last.length && cells.length > 0
    for (let i = 0; same && i < cells.length; i++) if (cells[i] !== last[i]) same = false
    // Stuck since the first tick of a fresh reading, the same cells and current flowing; -1 when not.
    let stuckSince_ms = -1
    if (inp.afeAge_ms < AFE_STALE_PERIODS * inp.afePeriod_ms) {
        if (same) {
            if (Math.abs(inp.pack_mA) > 200) {
                stuckSince_ms = p.stuckSince_ms
                if (stuckSince_ms < 0) stuckSince_ms = now_ms
            }
        }
    }
    p.stuckSince_ms = stuckSince_ms
    p.lastCells = cells.slice(0)
    // A temperature no sensor could give (NaN is no reading, not an implausible one).
    const tempOut = tempImplausible(inp.cellTemp_C) | tempImplausible(inp.boardTemp_C)
    const faults = p.faults
    for (let k = 0; k < faults.length; k++) {
        const v = valueFor(p, k, inp, cellMax, cellMin, tempOut)
        const change = evaluateFault(faults[k], v, now_ms)
        if (change === FAULT_TRIPPED) record(p, k, "trip", v, now_ms)
        else if (change === FAULT_RELEASED) record(p, k, "release", v, now_ms)
    }
}

export function chargeAllowed(p: Protector): boolean {
    return (protectorActions(p) & ACTION_CHARGE) === 0
}

export function dischargeAllowed(p: Protector): boolean {
    return (protectorActions(p) & ACTION_DISCHARGE) === 0
}

/** The index of an active fault that holds output i off, or -1. */
export function protectorHolding(p: Protector, i: number): number {
    const faults = p.faults
    for (let k = 0; k < faults.length; k++) {
        const f = faults[k]
        if (f[FF.ACTIVE] === 0) continue
        const a = faultAction(f)
        if ((a & ACTION_DISCHARGE) !== 0) return k
        if ((a & ACTION_CHANNEL) !== 0) if (f[FF.CHANNEL] === i) return k
    }
    return -1
}

/** Fault k for a person: "id: what is wrong", and that it is latched. */
export function faultSentence(p: Protector, k: number): string {
    return `${faultId(p, k)}: ${ruleWhat(p.rows[k])}${p.faults[k][FF.LATCHED] !== 0 ? " (latched)" : ""}`
}

/** A person clears latched faults (all, or one id). Returns "" or why nothing was cleared. */
export function protectorClear(p: Protector, id: string, now_ms: number): string {
    let cleared = 0
    const refusals: string[] = []
    const faults = p.faults
    for (let k = 0; k < faults.length; k++) {
        const f = faults[k]
        if (f[FF.ACTIVE] === 0) continue
        if (f[FF.LATCHED] === 0) continue
        if (id !== "") if (faultId(p, k) !== id) continue
        const why = clearFaultLatch(f, now_ms)
        if (why === "") {
            cleared++
            record(p, k, "clear", NaN, now_ms)
        } else refusals.push(`${faultId(p, k)}: ${why}`)
    }
    if (cleared > 0) return ""
    if (refusals.length > 0) return refusals.join("; ")
    if (id === "") return "no latched fault to clear"
    return "no latched fault " + id
}

/** Re-latch faults saved before a restart; unknown ids are returned (a changed catalogue). */
export function restoreLatched(p: Protector, ids: string[]): string[] {
    const unknown: string[] = []
    for (const id of ids) {
        const k = faultIndex(p, id)
        if (k >= 0) {
            const f = p.faults[k]
            if ((f[FF.FLAGS] & FLAG_LATCHING) !== 0) {
                relatchFault(f)
                continue
            }
        }
        unknown.push(id)
    }
    return unknown
}

/** One sentence per active fault. */
export function describeFaults(p: Protector): string[] {
    const out: string[] = []
    const faults = p.faults
    for (let k = 0; k < faults.length; k++) if (faults[k][FF.ACTIVE] !== 0) out.push("protection " + faultSentence(p, k))
    return out
}

/** Fault `id` is active (false for an unknown id). A free function: only tests ask, and an image carries every method. */
export function faultActive(p: Protector, id: string): boolean {
    const k = faultIndex(p, id)
    if (k < 0) return false
    return p.faults[k][FF.ACTIVE] !== 0
}

/** The value each rule judges now (NaN: not measured now), by the rule's quantity code. */
function valueFor(p: Protector, k: number, inp: ProtectionInputs, cellMax: number, cellMin: number, tempOut: number): number {
    const f = p.faults[k]
    const q = faultQuantity(f)
    if (f[FF.CHANNEL] >= 0) {
        const c = inp.channels[f[FF.CHANNEL]]
        if (!c) return NaN
        if (!c.fresh) return NaN
        if (q === Q_STAGE_TEMP) return c.dieTemp_C
        if (q === Q_OFF_CURRENT) {
            if (c.on) return NaN
            return c.current_mA
        }
        // Output voltage limits only mean something while the output is live.
        if (c.on) return c.voltage_mV
        return NaN
    }
    if (q === Q_AFE_AGE) return inp.afeAge_ms / inp.afePeriod_ms
    if (q === Q_AFE_TRIP) {
        // Its id is built only while the AFE reports a trip (no string per rule per tick otherwise).
        if (inp.afeTrips === 0) return 0
        return (inp.afeTrips >> AFE_IDS.indexOf(faultId(p, k))) & 1
    }
    if (inp.afeAge_ms >= AFE_STALE_PERIODS * inp.afePeriod_ms) return NaN
    if (inp.cell_mV.length === 0) return NaN
    if (q === Q_STUCK) {
        const since_ms = p.stuckSince_ms
        if (since_ms < 0) return 0
        return inp.now_ms - since_ms
    }
    if (q === Q_CELL_MIN_RAW) return cellMin
    if (q === Q_CELL_MAX_RAW) return cellMax
    if (q === Q_TEMP_SANITY) return tempOut
    // Cell voltages out of a sensor's range are judged by the sensor rules, not as cells: such a reading
    // (and an implausible cell temperature below) is not measured now, NaN at the end.
    if (q === Q_CELL_MAX) if (cellMax <= CELL_MAX_PLAUSIBLE_mV) return cellMax
    if (q === Q_CELL_MIN) if (cellMin >= CELL_MIN_PLAUSIBLE_mV) return cellMin
    if (q === Q_DISCHARGE) return inp.pack_mA
    if (q === Q_CHARGE) return -inp.pack_mA
    // Judged whether or not a charger is present: the CHG FET is off before one is plugged in.
    const t = inp.cellTemp_C
    if (q === Q_CELL_TEMP) if (t >= TEMP_MIN_PLAUSIBLE_C) if (t <= TEMP_MAX_PLAUSIBLE_C) return t
    if (q === Q_BOARD_TEMP) return inp.boardTemp_C
    if (q === Q_KIRCHHOFF) {
        let out = 0
        let pack_V = 0
        for (const v of inp.cell_mV) pack_V += v / 1000
        for (const c of inp.channels) {
            if (!c.fresh) return NaN
            // A regulated stage takes at most P / STAGE_EFF_MIN from the pack: counting that much keeps
            // this check one-sided (a stage's losses never look like a leak).
            if (c.direct) out += c.current_mA
            else out += c.power_mW / STAGE_EFF_MIN / pack_V
        }
        // One-sided: the pack giving more than the outputs take is a leak or a short inside the box.
        // (A charger makes the pack give less, so it never hides in this direction.)
        return inp.pack_mA - out - inp.quiescent_mA
    }
    return NaN
}

/** Log fault k's `event` (trip, release or clear) with the value `v` at that moment, and tell the supervisor. */
function record(p: Protector, k: number, event: string, v: number, now_ms: number): void {
    const f = p.faults[k]
    const id = faultId(p, k)
    // Not measured (NaN) is logged as 0.
    let value = 0
    if (v === v) value = v
    // Words from the catalogue row, split only here (runtime strings live on the heap).
    const w = p.rows[k].split("|")
    const unit = w[3]
    const trip = f[FF.TRIP]
    const log = p.log
    faultLogAdd(log, { boot: log.boot, t_s: now_ms / 1000, event, id, value, threshold: trip, unit })
    let message: string
    if (event === "trip") message = `${Math.round(value)} ${unit} (limit ${Math.round(trip)} ${unit})${(f[FF.FLAGS] & FLAG_LATCHING) !== 0 ? "; latched until a person clears it" : ""}`
    else if (event === "release") message = `cleared at ${Math.round(value)} ${unit}`
    else message = "cleared by a person"
    p.note(f[FF.CHANNEL], "protection", `${id} ${event}: ${w[1]}: ${message}`)
}

/** OR of the actions of every active fault (a free function: an image carries every method). */
export function protectorActions(p: Protector): number {
    let a = 0
    for (const f of p.faults) if (f[FF.ACTIVE] !== 0) a |= faultAction(f)
    return a
}
