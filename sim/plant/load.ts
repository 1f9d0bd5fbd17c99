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
