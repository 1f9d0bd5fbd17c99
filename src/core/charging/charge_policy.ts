// What the charger should do now: on or off, the constant-voltage target and the current limit, and why.
// Cell care first: the chemistry's temperature window (LFP never below 0 °C), less current when cold or
// near the top of the window, a charge ceiling that defaults to the long-life target, and a full charge
// only when the owner asks for one ("full by" a time, computed to finish just in time) or when the state
// of charge needs recalibrating. Portable; the supervisor applies it (charger registers, AFE CHG FET).
import { Chemistry, ocvAt_mV } from "../battery/chemistry"

/** Owner's settings (saved). */
export interface ChargeSettings {
    /** Stop at this state of charge, per mille (1000: full). */
    ceiling_pm: number
    /** Box time (ms) by which the pack should be full; -1: no trip planned. */
    fullBy_ms: number
}

/** Default: the long-life ceiling (BU-808: a NMC cell kept at 80 % instead of 100 % lasts several times longer). */
export const DEFAULT_CEILING_pm = 800
/** Restart a finished charge once the state of charge has fallen this far below the ceiling. */
export const RECHARGE_pm = 50
/** A full charge (to the tail current at the chemistry's maximum voltage) at least this often: the full anchor recalibrates the state of charge. */
export const RECAL_FULL_ms = 30 * 86400000
/** Standard charge rate (a 3 Ah 18650 NMC: 1.5 A) and the cold rate (LFP below 10 °C: at most 0.2 C). */
export const STANDARD_C = 0.5
export const COLD_C = 0.2
/** Within this of the window's upper end the current halves (the cells heat while charging). */
const HOT_MARGIN_C = 5
/** The highest cell this close to the target voltage: the current tapers (per-cell constant voltage). */
export const CELL_TAPER_mV = 30
/**
 * The charger's efficiency as the policy counts it: pessimistic, so the input's share for charging is never
 * overestimated (the plant's buck-boost is 0.93-0.965, a 0.3 W fixed loss on top).
 */
export const CHARGER_EFFICIENCY_FLOOR = 0.9
/** Terminate at constant voltage when the current falls to C/20. */
export const TAIL_C = 0.05
/** A partial ceiling's constant voltage sits this far above the ceiling's OCV (the charge stops on the state of charge). */
const CEILING_HEADROOM_mV = 50
/** "Full by": start the full charge this long before it is needed on top of the estimated time (the CV tail). */
const FULL_BY_MARGIN_ms = 1800000

export interface ChargeInputs {
    now_ms: number
    series: number
    /** Nominal pack capacity, mAh (learned when known). */
    capacity_mAh: number
    soc_pm: number
    /** Highest cell voltage and the cells' temperature (NaN: unknown). */
    cellMax_mV: number
    temp_C: number
    /** Pack charge current now, mA (positive into the pack). */
    charge_mA: number
    /** Box time of the last full charge, NaN for never (negative: before this boot). */
    lastFull_ms: number
    /** Input power the source gives, mW (0: no input), and what the outputs take from it. */
    input_mW: number
    outputs_mW: number
    /** The charger's efficiency at this operating point (pessimistic). */
    efficiency: number
    /** A protection forbids charging now (the AFE's CHG FET is held off). */
    held: boolean
}

export interface ChargeDecision {
    charge: boolean
    /** Per-cell and pack constant voltage, mV; the pack's current limit, mA. */
    cell_mV: number
    pack_mV: number
    current_mA: number
    /** The ceiling in force, per mille (1000 when a full charge is due). */
    target_pm: number
    /** "no input", "held", "too cold", "too hot", "charging", "topping", "done", "waiting" (full-by later). */
    phase: string
    reason: string
}

/** The phase a charger in progress keeps between decisions (the hysteresis: done stays done until RECHARGE_pm). */
export interface ChargeMemory {
    done: boolean
}

function decision(charge: boolean, phase: string, reason: string, target_pm: number): ChargeDecision {
    return { charge, cell_mV: 0, pack_mV: 0, current_mA: 0, target_pm, phase, reason }
}

/** The current the temperature allows, as a C-rate (0: none). */
export function tempRate_C(c: Chemistry, temp_C: number): number {
    if (!(temp_C === temp_C)) return COLD_C // unknown: the cautious rate
    if (temp_C < c.chargeMin_C) return 0
    if (temp_C > c.chargeMax_C) return 0
    if (temp_C < c.chargeDerateBelow_C) return COLD_C
    if (temp_C > c.chargeMax_C - HOT_MARGIN_C) return STANDARD_C / 2
    return STANDARD_C
}

/** How long a charge from `soc_pm` to full takes at `current_mA`, ms (CC part; the caller adds the tail). */
export function timeToFull_ms(soc_pm: number, capacity_mAh: number, current_mA: number): number {
    if (!(current_mA > 0)) return Infinity
    return (((1000 - soc_pm) / 1000) * capacity_mAh * 3600000) / current_mA
}

/**
 * The ceiling in force and why: full when a recalibration is due or a "full by" time is near enough
 * that a charge must start now; otherwise the owner's ceiling.
 */
export function ceilingNow(s: ChargeSettings, inp: ChargeInputs, rate_mA: number): number[] {
    // [ceiling_pm, why: 0 owner's, 1 recalibration, 2 full-by due, 3 full-by later]
    if (s.ceiling_pm >= 1000) return [1000, 0]
    // NaN (never full) compares false: due. A full charge from before a restart is negative box time, not "never".
    if (!(inp.now_ms - inp.lastFull_ms < RECAL_FULL_ms)) return [1000, 1]
    if (s.fullBy_ms >= 0) {
        const need_ms = timeToFull_ms(inp.soc_pm, inp.capacity_mAh, rate_mA) + FULL_BY_MARGIN_ms
        return s.fullBy_ms - inp.now_ms <= need_ms ? [1000, 2] : [s.ceiling_pm, 3]
    }
    return [s.ceiling_pm, 0]
}

export function decideCharge(c: Chemistry, s: ChargeSettings, inp: ChargeInputs, mem: ChargeMemory): ChargeDecision {
    const rate = tempRate_C(c, inp.temp_C)
    const std_mA = inp.capacity_mAh * rate
    const cz = ceilingNow(s, inp, inp.capacity_mAh * STANDARD_C)
    const target = cz[0]
    const because = cz[1]
    if (inp.held) return decision(false, "held", "a protection holds charging off", target)
    if (rate === 0) {
        const cold = inp.temp_C < c.chargeMin_C
        return decision(false, cold ? "too cold" : "too hot", `cells at ${Math.round(inp.temp_C)} °C, outside ${c.chargeMin_C}-${c.chargeMax_C} °C for ${c.id}`, target)
    }
    if (!(inp.input_mW > 0)) return decision(false, "no input", "no charger connected", target)
    // Done at the ceiling; a finished charge restarts only RECHARGE_pm below it (no trickle at the top).
    const full = target >= 1000
    if (mem.done) {
        const below = full ? inp.cellMax_mV < c.maxCharge_mV - 100 && inp.soc_pm < 1000 - RECHARGE_pm : inp.soc_pm < target - RECHARGE_pm
        if (!below) return decision(false, "done", `charged to ${target / 10} %; recharges below ${(target - RECHARGE_pm) / 10} %`, target)
        mem.done = false
    }
    if (!full)
        if (inp.soc_pm >= target) {
            mem.done = true
            if (because === 3) return decision(false, "waiting", `at ${target / 10} %, the full charge starts in time for the trip`, target)
            return decision(false, "done", `at the ${target / 10} % ceiling (long life)`, target)
        }
    const cell_mV = full ? c.maxCharge_mV : Math.min(c.maxCharge_mV, Math.round(ocvAt_mV(c, target / 1000)) + CEILING_HEADROOM_mV)
    // Outputs first: the charger gets what the input has left after them (never a negative share).
    const pack_mV = cell_mV * inp.series
    const share_mA = Math.max(0, ((inp.input_mW * inp.efficiency - inp.outputs_mW) * 1000) / Math.max(pack_mV, 1))
    // Per-cell constant voltage: the charger regulates the pack's sum, so in a pack out of balance the highest
    // cell would pass its limit. The current tapers as that cell comes within CELL_TAPER_mV of the target.
    const headroom_mV = cell_mV - inp.cellMax_mV
    const taper = headroom_mV >= CELL_TAPER_mV ? 1 : headroom_mV <= 0 ? 0 : headroom_mV / CELL_TAPER_mV
    const current_mA = Math.floor(Math.min(std_mA, share_mA) * taper)
    const topping = inp.cellMax_mV >= cell_mV - 10
    const tail_mA = inp.capacity_mAh * TAIL_C
    if (full) {
        if (topping) {
            let tail = current_mA <= tail_mA
            if (inp.charge_mA > 0) {
                if (inp.charge_mA <= tail_mA) tail = true
            }
            if (tail) {
                mem.done = true
                return decision(false, "done", `full: the current fell to the C/20 tail at ${cell_mV} mV on the highest cell`, target)
            }
        }
    }
    let why = `to ${target / 10} %`
    if (because === 1) why = "a full charge to calibrate the state of charge (none in the last 30 days)"
    if (because === 2) why = "full by the trip"
    const d = decision(current_mA > 0, topping ? "topping" : "charging", rate < STANDARD_C ? `${why} at ${rate} C (temperature)` : why, target)
    d.cell_mV = cell_mV
    d.pack_mV = pack_mV
    d.current_mA = current_mA
    if (current_mA <= 0) d.reason = "the outputs take all the input power"
    return d
}
