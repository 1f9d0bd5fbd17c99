// Chemistry presets: what the firmware assumes about a cell it has never measured. Everything it can
// learn (capacity, resistance, current-sensor errors) it learns; these are the starting points and the
// limits it must respect. Values per cell; sources: the shared hardware facts (§5), generic curves.

export interface Chemistry {
    id: string
    name: string
    /** Open-circuit voltage at 0, 5, ..., 100 % SOC (25 °C), mV. */
    ocv_mV: number[]
    /** Charge/discharge OCV hysteresis half-width (LFP's plateau), mV; 0 for none. */
    hysteresis_mV: number
    /** SOC change over which the hysteresis relaxes to the other branch (fraction of capacity). */
    hysteresisSoc: number
    /** Absolute maximum charge voltage, mV. */
    maxCharge_mV: number
    /** Default charge ceiling for a long life, mV. */
    longLife_mV: number
    /** Discharge cut-off under load (outputs are shed here), mV. */
    cutoff_mV: number
    /** Storage voltage, mV. */
    storage_mV: number
    /** Charging allowed between these temperatures, °C; derated below chargeDerateBelow_C. */
    chargeMin_C: number
    chargeMax_C: number
    chargeDerateBelow_C: number
    /** Discharging allowed between these temperatures, °C. */
    dischargeMin_C: number
    dischargeMax_C: number
    /** Coulombic efficiency of charging. */
    chargeEfficiency: number
    /** Typical DC resistances times capacity (mOhm * Ah, so a 3 Ah cell of 45 has 15 mOhm), and RC time constants. */
    r0_mOhmAh: number
    r1_mOhmAh: number
    tau1_s: number
    r2_mOhmAh: number
    tau2_s: number
    /** Arrhenius activation energy of the resistances, J/mol. */
    activation_J: number
    /** Rest needed before a voltage is trusted as an OCV, s. */
    rest_s: number
    /** Typical self-discharge, fraction of capacity per day (drift budget when nothing is known). */
    selfDischargePerDay: number
}

/**
 * The presets, built from tables (cheaper in code than object literals). The numbers are JSON (image data,
 * where numbers in code cost bytecode): a row per chemistry, NMC then LFP, its OCV table then a value per
 * field of `NUMERIC`. The field names stay literals in code: strings parsed from JSON would live on the heap
 * for good, where literals stay in the image's data.
 */
function presets(): Chemistry[] {
    // The Chemistry fields after id, name and ocv_mV, in the interface's order.
    const NUMERIC = [
        "hysteresis_mV", "hysteresisSoc", "maxCharge_mV", "longLife_mV", "cutoff_mV", "storage_mV", "chargeMin_C", "chargeMax_C",
        "chargeDerateBelow_C", "dischargeMin_C", "dischargeMax_C", "chargeEfficiency", "r0_mOhmAh", "r1_mOhmAh", "tau1_s",
        "r2_mOhmAh", "tau2_s", "activation_J", "rest_s", "selfDischargePerDay",
    ]
    const rows = JSON.parse(
        "[[[2800, 3588, 3684, 3702, 3726, 3745, 3764, 3787, 3803, 3819, 3838, 3858, 3883, 3924, 3962, 3993, 4026, 4056, 4089, 4135, 4198]," +
        " 0, 0.05, 4200, 4100, 3000, 3800, 0, 45, 10, -20, 60, 0.998, 45, 24, 15, 36, 500, 25000, 1800, 0.001]," +
        " [[2833, 3132, 3177, 3190, 3213, 3226, 3240, 3252, 3262, 3264, 3265, 3268, 3271, 3275, 3283, 3296, 3304, 3308, 3309, 3314, 3392]," +
        " 15, 0.07, 3650, 3450, 2800, 3300, 0, 45, 10, -20, 60, 0.999, 61, 27, 20, 34, 600, 25000, 7200, 0.001]]",
    )
    const out: any[] = [{ id: "NMC", name: "Li-ion NMC/NCA" }, { id: "LFP", name: "LiFePO4" }]
    for (let c = 0; c < 2; c++) {
        const o = out[c]
        const r = rows[c]
        o.ocv_mV = r[0]
        for (let k = 0; k < NUMERIC.length; k++) o[NUMERIC[k]] = r[k + 1]
    }
    return out
}

/**
 * The presets, built on first use rather than at start: module-level code takes the first, short slots of the
 * image's string table, which the names the code uses most should get.
 */
let built: Chemistry[] = undefined

export function chemistryById(id: string): Chemistry {
    if (!built) built = presets()
    for (const c of built) if (c.id === id) return c
    return undefined
}

export function chemistryIds(): string[] {
    chemistryById("") // builds the presets
    return built.map(c => c.id)
}

const STEPS = 20

/**
 * mV per unit SOC above 100 %: the end segment's slope, or steeper so the maximum charge voltage is
 * reached at 100.5 % (a charger's constant voltage sits on that wall; LFP's table ends 0.26 V below it).
 */
export function topSlope_mV(c: Chemistry): number {
    const t = c.ocv_mV
    const end = STEPS * (t[STEPS] - t[STEPS - 1])
    return Math.max((c.maxCharge_mV - t[STEPS]) / 0.005, end)
}

/** OCV (mV) at a SOC; below 0 the curve continues with the end slope, above 1 with topSlope_mV. */
export function ocvAt_mV(c: Chemistry, soc: number): number {
    const t = c.ocv_mV
    if (soc <= 0) return t[0] + soc * STEPS * (t[1] - t[0])
    if (soc >= 1) return t[STEPS] + (soc - 1) * topSlope_mV(c)
    const x = soc * STEPS
    const i = Math.floor(x)
    return t[i] + (t[i + 1] - t[i]) * (x - i)
}

/** dOCV/dSOC (mV per unit SOC) at a SOC: what a voltage reading is worth there. */
export function ocvSlope_mV(c: Chemistry, soc: number): number {
    const t = c.ocv_mV
    if (soc >= 1) return topSlope_mV(c)
    const i = Math.min(Math.max(Math.floor(soc * STEPS), 0), STEPS - 1)
    return (t[i + 1] - t[i]) * STEPS
}

/** The SOC whose OCV is `mV` (inverse of ocvAt_mV; the curve is monotonic). */
export function socAtOcv(c: Chemistry, mV: number): number {
    const t = c.ocv_mV
    if (mV <= t[0]) return (mV - t[0]) / (STEPS * (t[1] - t[0]))
    if (mV >= t[STEPS]) return 1 + (mV - t[STEPS]) / topSlope_mV(c)
    let i = 0
    while (i < STEPS - 1) {
        if (!(t[i + 1] < mV)) break
        i++
    }
    return (i + (mV - t[i]) / (t[i + 1] - t[i])) / STEPS
}

/** Resistance multiplier at a temperature (Arrhenius, 1 at 25 °C). */
export function arrhenius(c: Chemistry, temp_C: number): number {
    const T = temp_C + 273.15
    return Math.exp((c.activation_J / 8.314) * (1 / T - 1 / 298.15))
}

/** Resistance multiplier at the SOC ends (×1.3 at 0 % and 100 %, 1 in the middle). */
export function socResistanceFactor(soc: number): number {
    if (soc < 0.1) return 1 + 0.3 * ((0.1 - Math.max(soc, 0)) / 0.1)
    if (soc > 0.95) return 1 + 0.3 * ((Math.min(soc, 1) - 0.95) / 0.05)
    return 1
}
