// The DC input (barrel / Anderson: a solar panel, a car, a bench supply): the charger's input limits and
// which input charges when both USB-C and DC are present. Portable; mV, mA, mW.
//   * Input current: the owner's rating for the source (a car socket's fuse, a supply's label), never
//     above the board's.
//   * Input voltage floor (the charger's VINDPM): the charger draws less rather than pull the source below
//     it. Solar: tracked to the maximum power point (perturb and observe). A car with its engine off: the
//     box does not charge from it below PARKED_MIN_mV a cell-of-lead-acid worth, so it never flattens the
//     car's battery; with the engine running (alternator voltage) it charges.
//   * Both inputs present: the one giving more power charges (hysteresis), the other is switched off.

/** 12 V lead-acid: above this the alternator is running; below PARKED_MIN_mV at rest the car battery is low. */
export const ALTERNATOR_mV = 13200
export const PARKED_MIN_mV = 12400
/** The charger's lowest input floor, and the tracker's step and period. */
const FLOOR_MIN_mV = 4500
export const MPPT_STEP_mV = 200
export const MPPT_PERIOD_ms = 2000
/** An input must give this much more power before the box switches to it. */
const SWITCH_MARGIN = 1.1

export interface DcLimits {
    /** Floor the charger holds the input voltage above, and the input current limit. */
    floor_mV: number
    current_mA: number
    /** False: do not charge from DC now (and why). */
    allowed: boolean
    reason: string
}

/**
 * Perturb and observe on the input floor: a step that raised the input power is repeated, one that
 * lowered it is reversed. Works for a panel (its power peaks at ~80 % of Voc) and is harmless on a stiff
 * supply (the floor just sits below its voltage). Stepped by dcStep (a method would cost prototype space).
 */
export class DcInput {
    floor_mV = 0
    dir = 1
    lastPower_mW = -1
    last_ms = -1e9
    /** Open-circuit voltage seen (no charge current), mV: what the car's state and the tracker start from. */
    open_mV = 0
}

/** The limits for now. `vin_mV` / `iin_mA`: the input as the charger measures it; `rating_mA`: the owner's. */
export function dcStep(dc: DcInput, now_ms: number, vin_mV: number, iin_mA: number, rating_mA: number, board_mA: number, carMode: boolean): DcLimits {
    const current_mA = Math.min(rating_mA, board_mA)
    if (iin_mA < 50) dc.open_mV = vin_mV
    const open_mV = dc.open_mV
    if (!(vin_mV > FLOOR_MIN_mV)) {
        dc.floor_mV = 0
        dc.lastPower_mW = -1
        return { floor_mV: 0, current_mA, allowed: false, reason: "no DC input" }
    }
    if (carMode) {
        let running = vin_mV >= ALTERNATOR_mV
        if (open_mV >= ALTERNATOR_mV) running = true
        if (!running)
            if (open_mV < PARKED_MIN_mV) return { floor_mV: PARKED_MIN_mV, current_mA, allowed: false, reason: `car battery at ${open_mV} mV with the engine off: not charging from it` }
        // Never below 12.2 V (engine off) or 13.0 V (running): the car's own loads come first.
        dc.floor_mV = running ? ALTERNATOR_mV - 200 : PARKED_MIN_mV - 200
        return { floor_mV: dc.floor_mV, current_mA, allowed: true, reason: running ? "car, engine running" : "car, engine off" }
    }
    if (dc.floor_mV === 0) dc.floor_mV = Math.max(FLOOR_MIN_mV, Math.round(open_mV * 0.8))
    if (now_ms - dc.last_ms >= MPPT_PERIOD_ms) {
        const p = (vin_mV * iin_mA) / 1000
        const last_mW = dc.lastPower_mW
        if (last_mW >= 0) if (p < last_mW) dc.dir = -dc.dir
        dc.lastPower_mW = p
        dc.last_ms = now_ms
        dc.floor_mV = Math.max(FLOOR_MIN_mV, Math.min(open_mV - MPPT_STEP_mV, dc.floor_mV + dc.dir * MPPT_STEP_mV))
    }
    return { floor_mV: dc.floor_mV, current_mA, allowed: true, reason: "tracking the maximum power point" }
}

/** Which input charges: "usb", "dc" or "" (neither gives power). `current` keeps its place unless the other beats it by the margin. */
export function selectInput(usb_mW: number, dc_mW: number, current: string): string {
    if (!(dc_mW > 0)) {
        if (!(usb_mW > 0)) return ""
        return "usb"
    }
    if (!(usb_mW > 0)) return "dc"
    if (current === "usb") return dc_mW > usb_mW * SWITCH_MARGIN ? "dc" : "usb"
    if (current === "dc") return usb_mW > dc_mW * SWITCH_MARGIN ? "usb" : "dc"
    return dc_mW > usb_mW ? "dc" : "usb"
}
