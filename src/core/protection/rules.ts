// The fault catalogue as data: for each fault the firmware judges, its threshold for this chemistry and
// box, its debounce, tier, release hysteresis, whether it latches (a person must clear it) or retries
// with a growing back-off, and the safe state it commands. docs/fault-catalogue.md is the readable form;
// the spec checks the two agree on the fault ids. Portable; values in mV, mA, °C and ms.
import { Chemistry } from "../battery/chemistry"

/** What a fault does while active. */
export const ACTION_NONE = 0
/** Open one output channel (the rule's channel). */
export const ACTION_CHANNEL = 1
/** Stop charging (the AFE's CHG FET). */
export const ACTION_CHARGE = 2
/** Stop discharging: every output off and the AFE's DSG FET off. */
export const ACTION_DISCHARGE = 4
export const ACTION_ALL = ACTION_CHARGE | ACTION_DISCHARGE

export interface FaultRule {
    id: string
    /** "warn" | "derate" | "trip" */
    tier: string
    /** True when the fault is a value above `trip`, false when below. */
    above: boolean
    trip: number
    /** The value must be back past this (hysteresis) before the fault may release. */
    release: number
    unit: string
    debounce_ms: number
    /** How long the value must stay past `release` before an automatic release. */
    releaseHold_ms: number
    /** A person must clear it (`fault.clear`) once the condition is gone. */
    latching: boolean
    /** First automatic retry delay; doubles with each trip, up to 16 times. 0: release as soon as clear. */
    retry_ms: number
    action: number
    /** -1 for the pack; the output channel otherwise. */
    channel: number
    /** For a person: what is wrong. */
    what: string
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

/** Sensor sanity bounds: outside these a cell reading is a broken sensor or wire, not a cell. */
export const CELL_MIN_PLAUSIBLE_mV = 500
export const CELL_MAX_PLAUSIBLE_mV = 5000

/** The first cell reading no cell could give, or NaN when every one is plausible. */
export function implausibleCell_mV(cells: number[]): number {
    for (const v of cells) if (!(v >= CELL_MIN_PLAUSIBLE_mV && v <= CELL_MAX_PLAUSIBLE_mV)) return v
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
    if (c.id === "LFP") return JSON.parse('{"overVoltage_mV": 3750, "safetyOverVoltage_mV": 3850, "underVoltage_mV": 2500, "deepDischarge_mV": 2000}')
    return JSON.parse('{"overVoltage_mV": 4250, "safetyOverVoltage_mV": 4300, "underVoltage_mV": 2800, "deepDischarge_mV": 2500}')
}

/** Timing, action and scope of a rule (DeviceScript: functions take few arguments, so these travel together). */
export interface RuleHow {
    debounce_ms: number
    retry_ms: number
    action: number
    latching?: boolean
    tier?: string
    channel?: number
}

export function rule(id: string, what: string, above: boolean, trip: number, release: number, unit: string, how: RuleHow): FaultRule {
    return {
        id,
        what,
        tier: how.tier !== undefined ? how.tier : "trip",
        above,
        trip,
        release,
        unit,
        debounce_ms: how.debounce_ms,
        releaseHold_ms: 2000,
        latching: how.latching === true,
        retry_ms: how.retry_ms,
        action: how.action,
        channel: how.channel !== undefined ? how.channel : -1,
    }
}

/**
 * Rules as tables, a row each: id (after the channel's prefix), what, 1 when above the trip (0 below), unit,
 * debounce_ms, retry_ms, action, 1 when latching, 1 for a warning that derates (tier "derate", else "trip");
 * `at` holds their trip and release points, from the chemistry and box. The tables are built per call
 * (literals: their strings stay in the image's data, and nothing stays on the heap but the rules).
 */
function rulesFrom(rows: any[], at: number[], prefix: string, channel: number): FaultRule[] {
    const out: FaultRule[] = []
    for (let k = 0; k < rows.length; k += 9) {
        const j = (k / 9) * 2
        const how: RuleHow = { debounce_ms: rows[k + 4], retry_ms: rows[k + 5], action: rows[k + 6], latching: rows[k + 7] === 1, tier: rows[k + 8] === 1 ? "derate" : "trip", channel }
        out.push(rule(prefix + rows[k], rows[k + 1], rows[k + 2] === 1, at[j], at[j + 1], rows[k + 3], how))
    }
    return out
}

/** The pack-level rules for a chemistry and box. */
export function packRules(c: Chemistry, p: PackProtectionConfig): FaultRule[] {
    const v = cellVoltageLimits(c)
    const rows: any[] = [
        "cell.ov", "a cell above its charge limit", 1, "mV", 1000, 10000, ACTION_CHARGE, 0, 0,
        "cell.ov.safety", "a cell past its safety limit", 1, "mV", 500, 0, ACTION_ALL, 1, 0,
        "cell.uv", "a cell below its cut-off", 0, "mV", 2000, 30000, ACTION_DISCHARGE, 0, 0,
        "cell.uv.deep", "a cell deeply discharged", 0, "mV", 2000, 0, ACTION_ALL, 1, 0,
        "pack.ocd", "pack discharge over-current", 1, "mA", 2000, 10000, ACTION_DISCHARGE, 0, 0,
        "pack.occ", "pack charge over-current", 1, "mA", 2000, 10000, ACTION_CHARGE, 0, 0,
        "temp.charge.hot", "cells too hot to charge", 1, "C", 2000, 0, ACTION_CHARGE, 0, 0,
        "temp.charge.cold", "cells too cold to charge", 0, "C", 2000, 0, ACTION_CHARGE, 0, 0,
        "temp.discharge.hot", "cells too hot to discharge", 1, "C", 2000, 0, ACTION_DISCHARGE, 0, 0,
        "temp.discharge.cold", "cells too cold to discharge", 0, "C", 2000, 0, ACTION_DISCHARGE, 0, 0,
        "temp.board.hot", "the board (AFE die) too hot", 1, "C", 2000, 0, ACTION_ALL, 0, 0,
        "kirchhoff", "pack current does not match the outputs and charger", 1, "mA", 3000, 60000, ACTION_DISCHARGE, 0, 0,
    ]
    // Trip and release of each row.
    const at = [
        v.overVoltage_mV, c.maxCharge_mV - 100,
        v.safetyOverVoltage_mV, c.maxCharge_mV,
        v.underVoltage_mV, c.cutoff_mV + 100,
        v.deepDischarge_mV, v.underVoltage_mV,
        p.maxDischarge_mA, p.maxDischarge_mA * 0.8,
        p.maxCharge_mA, p.maxCharge_mA * 0.8,
        c.chargeMax_C, c.chargeMax_C - 5,
        c.chargeMin_C, c.chargeMin_C + 3,
        c.dischargeMax_C, c.dischargeMax_C - 5,
        c.dischargeMin_C, c.dischargeMin_C + 3,
        p.boardTrip_C, p.boardTrip_C - 10,
        p.kirchhoffTolerance_mA, p.kirchhoffTolerance_mA / 2,
    ]
    return rulesFrom(rows, at, "", -1)
}

/** One output channel's rules: its power stage's temperature and its output voltage window. */
export function channelRules(channel: number, p: PackProtectionConfig, minOut_mV: number, maxOut_mV: number): FaultRule[] {
    const rows: any[] = [
        "stage.warm", "output stage warm: derating", 1, "C", 2000, 0, ACTION_NONE, 0, 1,
        "stage.hot", "output stage too hot", 1, "C", 1000, 30000, ACTION_CHANNEL, 0, 0,
        "ov", "output over-voltage", 1, "mV", 300, 10000, ACTION_CHANNEL, 0, 0,
        "uv", "output under-voltage (overload or failing source)", 0, "mV", 500, 10000, ACTION_CHANNEL, 0, 0,
        // Current through an output the firmware holds off: its switch is stuck closed. Only the pack's
        // DSG FET can stop it, and a person must look at the switch.
        "switch.stuck", "output switch stuck on (current while off)", 1, "mA", 500, 0, ACTION_DISCHARGE, 1, 0,
    ]
    // Trip and release of each row.
    const at = [
        p.stageWarn_C, p.stageWarn_C - 5,
        p.stageTrip_C, p.stageWarn_C - 10,
        maxOut_mV, maxOut_mV - 500,
        minOut_mV, minOut_mV + 500,
        100, 50,
    ]
    return rulesFrom(rows, at, "ch" + channel + ".", channel)
}
