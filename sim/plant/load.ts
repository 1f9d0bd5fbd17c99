// Loads on an output channel. Each gives the current it draws at a terminal voltage.

export interface LoadSpec {
    /** "none", "resistive", "constant_power" or "constant_current". */
    type: string
    ohms?: number
    watts?: number
    amps?: number
    /** Constant-power and constant-current loads drop out below this voltage (like a real converter). */
    minVoltage_V?: number
}

export function noLoad(): LoadSpec {
    return { type: "none" }
}

export function describeLoad(l: LoadSpec): string {
    if (l.type === "resistive") return l.ohms + " ohm"
    if (l.type === "constant_power") return l.watts + " W"
    if (l.type === "constant_current") return l.amps + " A"
    return "no load"
}

/** Current drawn at terminal voltage `v`, amps (never negative: loads don't feed back). */
export function loadCurrent_A(l: LoadSpec, v: number): number {
    if (v <= 0) return 0
    const vMin = l.minVoltage_V !== undefined ? l.minVoltage_V : 1
    if (l.type === "resistive") return l.ohms > 0 ? v / l.ohms : 0
    if (l.type === "constant_power") return v < vMin ? 0 : l.watts / v
    if (l.type === "constant_current") return v < vMin ? 0 : l.amps
    return 0
}

// Devices that behave like real ones. Each is a plain spec (JSON in scenarios); `loadAt` turns it into
// one of the basic types above for the present moment, so the bus solver stays closed-form.
//   pd_sink      a USB-PD device: takes `watts` (or less as it tapers: `taper_s`, down to `minWatts`;
//                or swinging between `minWatts` and `watts` every `period_s`), never more current than
//                the source advertises. The PD source co-processor is not modelled: the port's voltage is
//                what the firmware set (`channel.voltage`); at 5 V a sink gets only 5 V x the advertised current.
//   burst        a soldering iron: `watts` as a resistive heater for `on_s`, then `idleWatts` for `off_s`.
//   compressor   a fridge: `watts` while running (`on_s` of every `on_s + off_s`), with `inrush` times
//                the running current for `inrush_s` at each start.
//   heater       a diesel heater: glow plug `glow_A` for `glow_s`, then `watts` (fan and pump).
export interface DeviceLoad extends LoadSpec {
    pdVoltage_V?: number
    minWatts?: number
    taper_s?: number
    period_s?: number
    idleWatts?: number
    on_s?: number
    off_s?: number
    inrush?: number
    inrush_s?: number
    glow_A?: number
    glow_s?: number
    /** Set by the plant: a PD sink never draws more (USB-C: the converter's limit; USB-A: 2.4 A). */
    maxAmps?: number
}

function device(l: DeviceLoad): DeviceLoad {
    return l
}

/** The reference devices of the channel benchmark, each a spec. */
export const DEVICES = {
    phone_pd_9V: device({ type: "pd_sink", watts: 18, minWatts: 4, taper_s: 3600, pdVoltage_V: 9, minVoltage_V: 4 }),
    laptop_pd_20V: device({ type: "pd_sink", watts: 65, minWatts: 45, period_s: 40, pdVoltage_V: 20, minVoltage_V: 4 }),
    computer_pd_9V: device({ type: "pd_sink", watts: 15, pdVoltage_V: 9, minVoltage_V: 4 }),
    soldering_iron_12V: device({ type: "burst", watts: 60, idleWatts: 6, on_s: 4, off_s: 6 }),
    fridge_12V: device({ type: "compressor", watts: 45, on_s: 120, off_s: 240, inrush: 3, inrush_s: 0.3, minVoltage_V: 9 }),
    diesel_heater_12V: device({ type: "heater", glow_A: 7, glow_s: 90, watts: 14, minVoltage_V: 9 }),
    hot_plate: device({ type: "resistive", ohms: 1.6 }),
    short_circuit: device({ type: "resistive", ohms: 0.005 }),
}

function isRunning(t_s: number, on_s: number, off_s: number): number {
    const cycle = on_s + off_s
    const inCycle = t_s - Math.floor(t_s / cycle) * cycle
    return inCycle < on_s ? inCycle : -1
}

/** The device's draw at `t_s` since it was plugged in, as a basic load (resistive, constant power or current). */
export function loadAt(l: DeviceLoad, t_s: number, v_V: number): LoadSpec {
    const vMin = l.minVoltage_V
    if (l.type === "pd_sink") {
        let w = l.watts
        if (l.taper_s > 0) w = Math.max(l.minWatts, l.watts - ((l.watts - l.minWatts) * t_s) / l.taper_s)
        else if (l.period_s > 0) w = Math.floor(t_s / l.period_s) % 2 === 0 ? l.watts : l.minWatts
        // A sink takes no more than 97 % of the advertised current (the solver caps the current it finds).
        const cap = l.maxAmps !== undefined ? l.maxAmps * 0.97 : Infinity
        const p: DeviceLoad = { type: "constant_power", watts: w, minVoltage_V: vMin, maxAmps: cap }
        return p
    }
    if (l.type === "burst") {
        const on = isRunning(t_s, l.on_s, l.off_s) >= 0
        return on ? { type: "resistive", ohms: (12 * 12) / l.watts } : { type: "constant_power", watts: l.idleWatts, minVoltage_V: 5 }
    }
    if (l.type === "compressor") {
        const run = isRunning(t_s, l.on_s, l.off_s)
        if (run < 0) return { type: "constant_power", watts: 1, minVoltage_V: vMin }
        if (run < l.inrush_s) return { type: "constant_current", amps: (l.inrush * l.watts) / 12, minVoltage_V: 3 }
        return { type: "constant_power", watts: l.watts, minVoltage_V: vMin }
    }
    if (l.type === "heater") {
        if (t_s < l.glow_s) return { type: "constant_current", amps: l.glow_A, minVoltage_V: 3 }
        return { type: "constant_power", watts: l.watts, minVoltage_V: vMin }
    }
    return l
}
