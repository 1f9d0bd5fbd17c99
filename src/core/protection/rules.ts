// The fault catalogue as data: for each fault the firmware judges, its threshold for this chemistry and
// box, its debounce, tier, release hysteresis, whether it latches (a person must clear it) or retries
// with a growing back-off, and the safe state it commands. docs/fault-catalogue.md is the readable form;
// the spec checks the two agree on the fault ids. Portable; values in mV, mA, °C and ms.
import { Chemistry } from "../battery/chemistry"
import { FF, faultFlags, faultRecord } from "./fault"

/** What a fault does while active. */
export const ACTION_NONE = 0
/** Open one output channel (the rule's channel). */
export const ACTION_CHANNEL = 1
/** Stop charging (the AFE's CHG FET). */
export const ACTION_CHARGE = 2
/** Stop discharging: every output off and the AFE's DSG FET off. */
export const ACTION_DISCHARGE = 4
export const ACTION_ALL = ACTION_CHARGE | ACTION_DISCHARGE

/**
 * The faults a protector judges: for fault k, its catalogue row (an image constant, shared by every output's
 * copy: no heap) and its record (fault.ts). Its id ("cell.ov", "ch2.ov") is faultId(): built when asked, as
 * 42 ids kept as strings cost about 2.5 KB of the heap.
 */
export interface FaultTable {
    rows: string[]
    faults: number[][]
}

/** Fault k's id: its row's first field, with its output in front for an output's rule ("ch2.ov"). */
export function faultId(t: FaultTable, k: number): string {
    const row = t.rows[k]
    const id = row.slice(0, row.indexOf("|"))
    const ch = t.faults[k][FF.CHANNEL]
    if (ch < 0) return id
    return `ch${ch}.${id}`
}

/** The index of the fault with this id, -1 for none. */
export function faultIndex(t: FaultTable, id: string): number {
    for (let k = 0; k < t.rows.length; k++) if (faultId(t, k) === id) return k
    return -1
}

export interface PackProtectionConfig {
    /** Continuous pack discharge the box's wiring and FETs are rated for. */
    maxDischarge_mA: number
    /** Continuous charge current into the pack. */
    maxCharge_mA: number
    /** Short circuit in discharge (the AFE's hardware SCD threshold). */
    shortCircuit_mA: number
    /** Power stages (the channel meters' die temperature, next to the switch): derate, trip. */
    stageWarn_C: number
    stageTrip_C: number
    /** The AFE's die, standing in for the board and MCU temperature. */
    boardTrip_C: number
    /** Pack current against the sum of the outputs, the box's draw and the charger: allowed mismatch. */
    kirchhoffTolerance_mA: number
}

export function defaultPackProtection(): PackProtectionConfig {
    return {
        maxDischarge_mA: 20000,
        maxCharge_mA: 6000,
        shortCircuit_mA: 40000,
        stageWarn_C: 85,
        stageTrip_C: 100,
        boardTrip_C: 85,
        kirchhoffTolerance_mA: 500,
    }
}

// What each rule measures (the last field of a catalogue row).
export const Q_NONE = 0
export const Q_STAGE_TEMP = 1
export const Q_OFF_CURRENT = 2
export const Q_OUT_VOLTAGE = 3
export const Q_AFE_AGE = 4
export const Q_STUCK = 5
export const Q_CELL_MIN_RAW = 6
export const Q_CELL_MAX_RAW = 7
export const Q_TEMP_SANITY = 8
export const Q_CELL_MAX = 9
export const Q_CELL_MIN = 10
export const Q_DISCHARGE = 11
export const Q_CHARGE = 12
export const Q_CELL_TEMP = 13
export const Q_BOARD_TEMP = 14
export const Q_KIRCHHOFF = 15
export const Q_AFE_TRIP = 16

/** Sensor sanity bounds: outside these a cell reading is a broken sensor or wire, not a cell. */
export const CELL_MIN_PLAUSIBLE_mV = 500
export const CELL_MAX_PLAUSIBLE_mV = 5000

/** The first cell reading no cell could give, or NaN when every one is plausible. */
export function implausibleCell_mV(cells: number[]): number {
    for (const v of cells) {
        // Negated comparisons: a NaN reading is implausible too.
        if (!(v >= CELL_MIN_PLAUSIBLE_mV)) return v
        if (!(v <= CELL_MAX_PLAUSIBLE_mV)) return v
    }
    return NaN
}

/** Cell voltage thresholds per chemistry (hardware facts §5.2), mV. */
export interface CellVoltageLimits {
    /** Above the charge limit: stop charging. */
    overVoltage_mV: number
    /** Past the cell's safety limit: everything off, latched. */
    safetyOverVoltage_mV: number
    /** Below the cut-off even at rest: stop discharging. */
    underVoltage_mV: number
    /** Deep discharge: everything off, latched (the cell may be damaged). */
    deepDischarge_mV: number
}

export function cellVoltageLimits(c: Chemistry): CellVoltageLimits {
    // Parsed from strings (a string costs no code space; an object literal is code that builds it). Called when
    // protections are armed or built, not every tick.
    return JSON.parse(
        c.id === "LFP"
            ? '{"overVoltage_mV": 3750, "safetyOverVoltage_mV": 3850, "underVoltage_mV": 2500, "deepDischarge_mV": 2000}'
            : '{"overVoltage_mV": 4250, "safetyOverVoltage_mV": 4300, "underVoltage_mV": 2800, "deepDischarge_mV": 2500}'
    )
}

/** What is wrong, for a person: the catalogue row's words. */
export function ruleWhat(row: string): string {
    return row.split("|")[1]
}

/**
 * Rules from a catalogue table: one row per rule, fields separated by "|":
 *   id | what | above (1) or below (0) | unit | debounce ms | first retry ms (0: released once clear) |
 *   action (0 none, 1 the rule's output, 2 charge off, 4 discharge off, 6 both) | latching (1) | tier |
 *   quantity judged (Q_* below)
 * `limits` holds each row's trip and release thresholds, in row order (per output, one block after the
 * other, when `outputs` > 0 makes one copy of each rule per output; 0 for pack-level rules). Rows are data because a
 * DeviceScript image's code space is tight and strings cost none of it. The rules are appended to `t`.
 */
export function rulesFrom(t: FaultTable, rows: string[], limits: number[], outputs: number): void {
    const perOutput = outputs > 0
    let copies = 1
    if (perOutput) copies = outputs
    for (let i = 0; i < rows.length; i++) {
        // One split per row, shared by every output's copy (the VM's String.split is slow).
        const f = rows[i].split("|")
        const flags = faultFlags(f[2] === "1", f[7] === "1", +f[6], +f[9])
        for (let c = 0; c < copies; c++) {
            const k = 2 * (c * rows.length + i)
            t.rows.push(rows[i])
            t.faults.push(faultRecord(flags, limits[k], limits[k + 1], +f[4], +f[5], perOutput ? c : -1))
        }
    }
}

const PACK_RULES = [
    "cell.ov|a cell above its charge limit|1|mV|1000|10000|2|0|trip|9",
    "cell.ov.safety|a cell past its safety limit|1|mV|500|0|6|1|trip|9",
    "cell.uv|a cell below its cut-off|0|mV|2000|30000|4|0|trip|10",
    "cell.uv.deep|a cell deeply discharged|0|mV|2000|0|6|1|trip|10",
    "pack.ocd|pack discharge over-current|1|mA|2000|10000|4|0|trip|11",
    "pack.occ|pack charge over-current|1|mA|2000|10000|2|0|trip|12",
    "temp.charge.hot|cells too hot to charge|1|C|2000|0|2|0|trip|13",
    "temp.charge.cold|cells too cold to charge|0|C|2000|0|2|0|trip|13",
    "temp.discharge.hot|cells too hot to discharge|1|C|2000|0|4|0|trip|13",
    "temp.discharge.cold|cells too cold to discharge|0|C|2000|0|4|0|trip|13",
    "temp.board.hot|the board (AFE die) too hot|1|C|2000|0|6|0|trip|14",
    "kirchhoff|pack current does not match the outputs and charger|1|mA|3000|60000|4|0|trip|15",
]

/** The pack-level rules for a chemistry and box. */
export function packRules(t: FaultTable, c: Chemistry, p: PackProtectionConfig): void {
    const v = cellVoltageLimits(c)
    // prettier-ignore
    rulesFrom(t, PACK_RULES, [
        v.overVoltage_mV, c.maxCharge_mV - 100, // cell.ov
        v.safetyOverVoltage_mV, c.maxCharge_mV, // cell.ov.safety
        v.underVoltage_mV, c.cutoff_mV + 100, // cell.uv
        v.deepDischarge_mV, v.underVoltage_mV, // cell.uv.deep
        p.maxDischarge_mA, p.maxDischarge_mA * 0.8, // pack.ocd
        p.maxCharge_mA, p.maxCharge_mA * 0.8, // pack.occ
        c.chargeMax_C, c.chargeMax_C - 5, // temp.charge.hot
        c.chargeMin_C, c.chargeMin_C + 3, // temp.charge.cold
        c.dischargeMax_C, c.dischargeMax_C - 5, // temp.discharge.hot
        c.dischargeMin_C, c.dischargeMin_C + 3, // temp.discharge.cold
        p.boardTrip_C, p.boardTrip_C - 10, // temp.board.hot
        p.kirchhoffTolerance_mA, p.kirchhoffTolerance_mA / 2, // kirchhoff
    ], 0)
}

// Current through an output the firmware holds off (switch.stuck): its switch is stuck closed. Only the
// pack's DSG FET can stop it, and a person must look at the switch.
const CHANNEL_RULES = [
    "stage.hot|output stage too hot|1|C|1000|30000|1|0|trip|1",
    "ov|output over-voltage|1|mV|300|10000|1|0|trip|3",
    "switch.stuck|output switch stuck on (current while off)|1|mA|500|0|4|1|trip|2",
]

/**
 * Each output's rules: its power stage's temperature, a back-fed output, its switch. (An output under its
 * window is the channel's own overload judgement, channel.ts; each rule here costs heap per output.)
 */
export function channelRules(t: FaultTable, outputs: { minOut_mV: number; maxOut_mV: number }[], p: PackProtectionConfig): void {
    const limits: number[] = []
    for (const o of outputs) {
        // prettier-ignore
        limits.push(
            p.stageTrip_C, p.stageWarn_C - 10, // stage.hot
            o.maxOut_mV, o.maxOut_mV - 500, // ov
            100, 50, // switch.stuck
        )
    }
    rulesFrom(t, CHANNEL_RULES, limits, outputs.length)
}
