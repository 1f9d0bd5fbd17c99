// One series group of the pack (its `parallel` identical cells lumped into one) as an equivalent circuit:
// OCV(SOC, T) + hysteresis, R0 and two RC pairs, temperature and SOC dependence of the resistances, coulombic
// efficiency, self-discharge and ageing. Hardware facts §5.3 is the source of the structure and the numbers.
//
// Sign convention: current I > 0 discharges. Per group, with k = fT(T) * fS(SOC) * ageing factor:
//   V_term = OCV(SOC, T) + H - I*R0*k - V1 - V2
//   V_j   <- V_j * a_j + I * R_j * k * (1 - a_j),   a_j = exp(-dt / tau_j)       (exact for a constant I)
//   SOC   <- SOC - eta * I * dt / (3600 * Q) - sd * fsd(T) * dt / 86400        (eta = 1 on discharge)
//   h     <- h_target + (h - h_target) * exp(-|I| dt / (3600 Q) / hysteresisSoc) (h_target = -1 discharging,
//            +1 charging; H = h * hysteresis_V)
//   OCV(SOC, T) = curve(SOC) + ocvTempCoeff * (T - 25 °C); the curve is linear between its grid points and goes
//            on beyond 0 % and 100 % more steeply (OCV_OUTSIDE_SLOPE_FACTOR), so any cut-off is reached.
//   fT = exp(Ea / Rgas * (1/T - 1/298.15 K))                                       (Arrhenius)
//   fS = 1 + (lowSocRFactor - 1) * ((0.10 - SOC) / 0.10)^2 below 10 %,
//        1 + (highSocRFactor - 1) * ((SOC - 0.95) / 0.05)^2 above 95 %, 1 between (u capped at 2 outside 0..1)
// Ageing (hardware facts §5.3): Q <- Q * (1 - cycleFade * |dAh| / Q - calendarFade * fcal(SOC, T) * dt_days),
//   fcal = exp(calendarSocCoeff * (SOC - 0.4)) * exp(calendarEa / Rgas * (1/298.15 K - 1/T)), so calendarFade is
//   the loss per day at 40 % SOC and 25 °C; resistance factor = initialResistanceFactor
//   + resistanceGrowth * (capacity lost since the start) / (as-built capacity). SOC (a fraction) is kept as
//   capacity fades, so the remaining charge fades with it.
import { OCV_GRID_V } from "./cell_curves"

export const GAS_CONSTANT_J_PER_MOL_K = 8.314
export const T_REF_K = 298.15
export const KELVIN = 273.15
/** Beyond both ends the curve continues at this multiple of its end segment's slope: steeper than inside (a
 * cell driven past 0 % or 100 % soon reaches any cut-off), but not a wall: NMC past 100 % rises ~25 mV per %. */
export const OCV_OUTSIDE_SLOPE_FACTOR = 2

/**
 * Per-chemistry model of one reference cell at 25 °C, 50 % SOC (hardware facts §5.3 table; the resistances
 * scale with refCapacity_Ah / capacity for other cells of the same class).
 */
export interface ChemistryModel {
    /** The highest charge voltage the chemistry takes; the OCV reaches it just above 100 % SOC. */
    maxCharge_V: number
    refCapacity_Ah: number
    r0_Ohm: number
    r1_Ohm: number
    tau1_s: number
    r2_Ohm: number
    tau2_s: number
    /** Half-height of the charge/discharge hysteresis loop, volts. */
    hysteresis_V: number
    /** SOC throughput over which the hysteresis relaxes by 1/e. */
    hysteresisSoc: number
    /** dOCV/dT, volts per kelvin (one value for the whole curve: a simplification of the entropic coefficient). */
    ocvTempCoeff_V_per_K: number
    /** Arrhenius activation energy of all resistances, J/mol. */
    activationEnergy_J_per_mol: number
    /** Resistance multiplier at 0 % SOC (quadratic from 1 at 10 %). */
    lowSocRFactor: number
    /** Resistance multiplier at 100 % SOC (quadratic from 1 at 95 %). */
    highSocRFactor: number
    /** Coulombic efficiency on charge. */
    chargeEfficiency: number
    /** Self-discharge at 25 °C, fraction of capacity per day; it doubles every selfDischargeDoubling_K. */
    selfDischarge_perDay: number
    selfDischargeDoubling_K: number
    /** Capacity lost per capacity-equivalent of throughput (|dAh| / Q), a fraction. */
    cycleFade: number
    /** Calendar capacity loss per day at 40 % SOC and 25 °C, a fraction. */
    calendarFade_perDay: number
    calendarSocCoeff: number
    calendarActivation_J_per_mol: number
    /** Resistance grows by this many times the fractional capacity loss. */
    resistanceGrowth: number
    /** Heat capacity of the cells, J/K per Ah of capacity. */
    heatCapacity_J_per_K_per_Ah: number
}

/**
 * NMC: a 3 Ah 18650 (Samsung 30Q class). LFP: a 3.4 Ah 26650. Sources and reasoning:
 * - R0/R1/tau1/R2/tau2: hardware facts §5.3 table.
 * - Hysteresis: LFP +/-15 mV relaxing over 7 % SOC; NMC none (§5.3).
 * - OCV temperature coefficient: NMC -0.10 mV/K, LFP -0.05 mV/K (entropic coefficients of these cells are a
 *   fraction of a mV/K and change sign over SOC; one small negative value is our simplification).
 * - Ea 22 kJ/mol (§5.3: 20-30 kJ/mol): R(0 °C) / R(25 °C) = 2.25, "roughly doubles".
 * - SOC ends: x1.4 at 0 %, x1.25 at 100 % (§5.3: x1.2-1.5).
 * - Coulombic efficiency on charge: NMC 0.998, LFP 0.999.
 * - Self-discharge: NMC 2.5 %/month (§5.2: 2-3 %/month), LFP 1.5 %/month; doubling every 10 K.
 * - Cycle fade: NMC 2e-4 per capacity-equivalent -> 500 full cycles (2 Q each) to 82 % (§5.2: 300-500 cycles to
 *   70-80 %); LFP 5e-5 -> 2000 cycles to 82 % (§5.2: 2000 cycles to 80 %).
 * - Calendar fade: NMC 4 %/year at 40 % SOC, 25 °C, x5 at 100 % SOC (BU-808: 96 % / 80 % retained after a year);
 *   LFP 2 %/year, x1.8 at 100 %; both with Ea 40 kJ/mol (x2.1 from 25 °C to 40 °C).
 * - Resistance growth 1.5 x the fractional capacity loss (§5.3: 1-2 x).
 * - Heat capacity: ~1 J/(g K) with 47 g per 3 Ah 18650 (16 J/K/Ah) and 85 g per 3.4 Ah 26650 (25 J/K/Ah).
 */
export const CHEMISTRY_MODELS: { [chemistry: string]: ChemistryModel } = {
    NMC: {
        maxCharge_V: 4.2,
        refCapacity_Ah: 3.0,
        r0_Ohm: 0.015,
        r1_Ohm: 0.008,
        tau1_s: 15,
        r2_Ohm: 0.012,
        tau2_s: 500,
        hysteresis_V: 0,
        hysteresisSoc: 0.07,
        ocvTempCoeff_V_per_K: -0.0001,
        activationEnergy_J_per_mol: 22000,
        lowSocRFactor: 1.4,
        highSocRFactor: 1.25,
        chargeEfficiency: 0.998,
        selfDischarge_perDay: 0.025 / 30,
        selfDischargeDoubling_K: 10,
        cycleFade: 2e-4,
        calendarFade_perDay: 0.04 / 365,
        calendarSocCoeff: 2.68,
        calendarActivation_J_per_mol: 40000,
        resistanceGrowth: 1.5,
        heatCapacity_J_per_K_per_Ah: 16,
    },
    LFP: {
        maxCharge_V: 3.65,
        refCapacity_Ah: 3.4,
        r0_Ohm: 0.018,
        r1_Ohm: 0.008,
        tau1_s: 20,
        r2_Ohm: 0.01,
        tau2_s: 600,
        hysteresis_V: 0.015,
        hysteresisSoc: 0.07,
        ocvTempCoeff_V_per_K: -0.00005,
        activationEnergy_J_per_mol: 22000,
        lowSocRFactor: 1.4,
        highSocRFactor: 1.25,
        chargeEfficiency: 0.999,
        selfDischarge_perDay: 0.015 / 30,
        selfDischargeDoubling_K: 10,
        cycleFade: 5e-5,
        calendarFade_perDay: 0.02 / 365,
        calendarSocCoeff: 1.0,
        calendarActivation_J_per_mol: 40000,
        resistanceGrowth: 1.5,
        heatCapacity_J_per_K_per_Ah: 25,
    },
}

export function chemistryModel(chemistry: string): ChemistryModel {
    const m = CHEMISTRY_MODELS[chemistry]
    if (!m) throw new Error("unknown chemistry " + chemistry)
    return m
}

/** The chemistry's R0 for one cell of `capacity_Ah` (the table value scaled by refCapacity / capacity). */
export function chemistryR0_Ohm(chemistry: string, capacity_Ah: number): number {
    const m = chemistryModel(chemistry)
    return (m.r0_Ohm * m.refCapacity_Ah) / capacity_Ah
}

export function ocvGridFor(chemistry: string): number[] {
    const g = OCV_GRID_V[chemistry]
    if (!g) throw new Error("unknown chemistry " + chemistry)
    return g
}

/**
 * OCV at `soc` from an equally spaced grid over 0..1 (at least 2 points): linear between points, extended beyond
 * the ends at OCV_OUTSIDE_SLOPE_FACTOR times the end segments' slopes, never below 0 V.
 */
export function ocvExtended(grid: number[], soc: number, topSlope?: number): number {
    const n = grid.length - 1
    let v: number
    if (soc <= 0) v = grid[0] + soc * OCV_OUTSIDE_SLOPE_FACTOR * (grid[1] - grid[0]) * n
    else if (soc >= 1) v = grid[n] + (soc - 1) * (topSlope !== undefined ? topSlope : OCV_OUTSIDE_SLOPE_FACTOR * (grid[n] - grid[n - 1]) * n)
    else {
        const x = soc * n
        const i = Math.floor(x)
        v = grid[i] + (grid[i + 1] - grid[i]) * (x - i)
    }
    return v > 0 ? v : 0
}

/** dOCV/dSOC of the same extended curve at `soc`, volts per unit SOC (the segment holding it). */
export function ocvSlope(grid: number[], soc: number, topSlope?: number): number {
    const n = grid.length - 1
    if (soc < 0) return OCV_OUTSIDE_SLOPE_FACTOR * (grid[1] - grid[0]) * n
    if (soc >= 1) return topSlope !== undefined ? topSlope : OCV_OUTSIDE_SLOPE_FACTOR * (grid[n] - grid[n - 1]) * n
    const i = Math.floor(soc * n)
    return (grid[i + 1] - grid[i]) * n
}

/**
 * Slope above 100 %: at least twice the end segment's, and steep enough that the OCV reaches the chemistry's
 * maximum charge voltage by 100.5 % (an LFP cell's curve climbs from its 3.39 V rest value to 3.65 V within the
 * last fraction of a percent; a charger's constant voltage does not push it to 108 %).
 */
export function ocvTopSlope(grid: number[], maxCharge_V: number): number {
    const n = grid.length - 1
    const twice = OCV_OUTSIDE_SLOPE_FACTOR * (grid[n] - grid[n - 1]) * n
    const wall = (maxCharge_V - grid[n]) / 0.005
    return wall > twice ? wall : twice
}

/** Arrhenius resistance factor relative to 25 °C (1 when ea is 0). */
export function arrheniusFactor(ea_J_per_mol: number, t_C: number): number {
    if (ea_J_per_mol === 0) return 1
    return Math.exp((ea_J_per_mol / GAS_CONSTANT_J_PER_MOL_K) * (1 / (t_C + KELVIN) - 1 / T_REF_K))
}

/** Resistance factor for the SOC ends: 1 between 10 % and 95 %, quadratic to `low` at 0 % and `high` at 100 %. */
export function socResistanceFactor(soc: number, low: number, high: number): number {
    if (soc < 0.1) {
        let u = (0.1 - soc) / 0.1
        if (u > 2) u = 2
        return 1 + (low - 1) * u * u
    }
    if (soc > 0.95) {
        let u = (soc - 0.95) / 0.05
        if (u > 2) u = 2
        return 1 + (high - 1) * u * u
    }
    return 1
}

/** Parameters shared by every series group of one pack (group values: resistances already divided by P). */
export interface CellModel {
    ocvGrid_V: number[]
    /** Slope of the OCV above 100 % SOC, volts per unit SOC (see ocvTopSlope). */
    ocvTopSlope_V_per_SOC: number
    ocvTempCoeff_V_per_K: number
    r1_Ohm: number
    tau1_s: number
    r2_Ohm: number
    tau2_s: number
    hysteresis_V: number
    hysteresisSoc: number
    activationEnergy_J_per_mol: number
    lowSocRFactor: number
    highSocRFactor: number
    chargeEfficiency: number
    selfDischargeDoubling_K: number
    cycleFade: number
    calendarFade_perDay: number
    calendarSocCoeff: number
    calendarActivation_J_per_mol: number
    resistanceGrowth: number
    /** Linearise the OCV over each step in the Thevenin source (theta-method in SOC, fitted to the exponential:
     * accurate and stable in stiff CV charging at long steps). False: the OCV at the start of the step (explicit). */
    implicitOcv: boolean
}

/** True when the model is today's ideal one (OCV + R0 only): the cells then take a short path each step. */
export function isSimpleModel(m: CellModel): boolean {
    return m.ocvTempCoeff_V_per_K === 0 && m.r1_Ohm === 0 && m.r2_Ohm === 0 && m.hysteresis_V === 0 &&
        m.lowSocRFactor === 1 && m.highSocRFactor === 1 && !m.implicitOcv
}

/**
 * One series group: its own capacity, R0, self-discharge rate, temperature offset and state; everything else
 * from the CellModel. The hot path (prepare + advance) is kept to a few dozen VM operations: no allocation, no
 * calls, branches skip what the model leaves out.
 */
export class Cell {
    readonly m: CellModel
    /** As built (spread and weak-cell factor applied, before any ageing), Ah. */
    builtCapacity_Ah: number
    /** R0 at 25 °C, mid SOC, as built, ohms. */
    r0_Ohm: number
    /** Self-discharge at 25 °C, fraction of capacity per day. */
    selfDischarge_perDay: number
    /** Temperature offset from the pack's node, kelvin. */
    tempOffset_C = 0

    // --- state ---
    /** True state of charge (not clamped: below 0 or above 1 the OCV runs off steeply). */
    soc: number
    /** True capacity today (after ageing), Ah. */
    capacity_Ah: number
    /** RC pair voltages, volts (positive while discharging). */
    v1 = 0
    v2 = 0
    /** Hysteresis state, -1 (discharge branch) .. +1 (charge branch). */
    h = 0
    /** Current of the last step, amps (discharge positive). */
    current_A = 0
    /** Resistance multiplier from ageing. */
    rAge = 1
    /** Capacity when the cell was put in service (after any pre-ageing), Ah. */
    serviceCapacity_Ah: number
    private rAge0 = 1
    /** Throughput since the ageing was last applied, Ah. */
    pendingAh = 0

    // --- per-step scratch, set by prepare() ---
    /** Resistance multiplier of the last prepared step (temperature x SOC x ageing). */
    k = 1
    /** OCV (with the temperature term, without hysteresis) at the start of the step. */
    ocv_V = 0
    /** Thevenin source over the step: the bus is solved with v = e_V - I * r_Ohm (RC pairs at the end of the step,
     * the OCV theta of the way through it). */
    e_V = 0
    r_Ohm = 0

    constructor(m: CellModel, capacity_Ah: number, r0_Ohm: number, selfDischarge_perDay: number, soc: number,
        capacityFraction: number, resistanceFactor: number) {
        this.m = m
        this.builtCapacity_Ah = capacity_Ah
        this.r0_Ohm = r0_Ohm
        this.selfDischarge_perDay = selfDischarge_perDay
        this.soc = soc
        this.capacity_Ah = capacity_Ah * capacityFraction
        this.serviceCapacity_Ah = this.capacity_Ah
        this.rAge0 = resistanceFactor
        this.rAge = resistanceFactor
        this.k = resistanceFactor
    }

    copyFrom(c: Cell): void {
        this.builtCapacity_Ah = c.builtCapacity_Ah
        this.r0_Ohm = c.r0_Ohm
        this.selfDischarge_perDay = c.selfDischarge_perDay
        this.tempOffset_C = c.tempOffset_C
        this.soc = c.soc
        this.capacity_Ah = c.capacity_Ah
        this.v1 = c.v1
        this.v2 = c.v2
        this.h = c.h
        this.current_A = c.current_A
        this.rAge = c.rAge
        this.serviceCapacity_Ah = c.serviceCapacity_Ah
        this.rAge0 = c.rAge0
        this.pendingAh = c.pendingAh
        this.k = c.k
    }

    /** OCV at this cell's SOC and temperature `t_C` (no hysteresis). */
    ocvAt(t_C: number): number {
        return ocvExtended(this.m.ocvGrid_V, this.soc, this.m.ocvTopSlope_V_per_SOC) + this.m.ocvTempCoeff_V_per_K * (t_C - 25)
    }

    /** Hysteresis voltage now. */
    hysteresis_V(): number {
        return this.h * this.m.hysteresis_V
    }

    /** The voltage at zero current now, at temperature t_C: OCV + H - V1 - V2 (relaxes to OCV + H). */
    restVoltage_V(t_C: number): number {
        return this.ocvAt(t_C) + this.h * this.m.hysteresis_V - this.v1 - this.v2
    }

    /** The voltage this cell settles at once the RC pairs have relaxed: OCV + H. */
    equilibrium_V(t_C: number): number {
        return this.ocvAt(t_C) + this.h * this.m.hysteresis_V
    }

    /** Terminal voltage of the present state with the last step's current: OCV + H - I R0 k - V1 - V2. */
    terminal_V(t_C: number): number {
        return this.restVoltage_V(t_C) - this.current_A * this.r0_Ohm * this.k
    }

    /** Resistance multiplier (temperature, SOC ends, ageing) given the Arrhenius factor fT. */
    resistanceFactor(fT: number): number {
        return fT * socResistanceFactor(this.soc, this.m.lowSocRFactor, this.m.highSocRFactor) * this.rAge
    }

    /** Instantaneous ohmic resistance R0 * k now, ohms. */
    ohmic_Ohm(fT: number): number {
        return this.r0_Ohm * this.resistanceFactor(fT)
    }

    /**
     * Thevenin equivalent over a step of dt with the pair factors a1 = exp(-dt/tau1), a2 = exp(-dt/tau2), the
     * Arrhenius factor fT and the temperature t_C: the bus is solved with v = e_V - I * r_Ohm.
     */
    prepare(dt_s: number, a1: number, a2: number, fT: number, t_C: number, simple: boolean): void {
        const m = this.m
        const s = this.soc
        if (simple) {
            // OCV + R0 only (the ideal model): the same arithmetic as below without the branches
            const v = ocvExtended(m.ocvGrid_V, s, m.ocvTopSlope_V_per_SOC)
            this.ocv_V = v
            this.e_V = v
            const k = fT * this.rAge
            this.k = k
            this.r_Ohm = this.r0_Ohm * k
            return
        }
        // OCV and its slope (ocvExtended and ocvSlope, inlined)
        const g = m.ocvGrid_V
        const n = g.length - 1
        let ocv: number
        let slope: number
        if (s <= 0) {
            slope = OCV_OUTSIDE_SLOPE_FACTOR * (g[1] - g[0]) * n
            ocv = g[0] + s * slope
        } else if (s >= 1) {
            slope = m.ocvTopSlope_V_per_SOC
            ocv = g[n] + (s - 1) * slope
        } else {
            const x = s * n
            const i = Math.floor(x)
            const g0 = g[i]
            const d = g[i + 1] - g0
            ocv = g0 + d * (x - i)
            slope = d * n
        }
        if (ocv < 0) ocv = 0
        if (m.ocvTempCoeff_V_per_K !== 0) ocv += m.ocvTempCoeff_V_per_K * (t_C - 25)
        this.ocv_V = ocv
        // resistance factor (socResistanceFactor, inlined)
        let k = fT * this.rAge
        if (s < 0.1) {
            let u = (0.1 - s) / 0.1
            if (u > 2) u = 2
            k = k * (1 + (m.lowSocRFactor - 1) * u * u)
        } else if (s > 0.95) {
            let u = (s - 0.95) / 0.05
            if (u > 2) u = 2
            k = k * (1 + (m.highSocRFactor - 1) * u * u)
        }
        this.k = k
        let e = ocv
        let r = this.r0_Ohm * k
        if (m.hysteresis_V > 0) e += this.h * m.hysteresis_V
        if (m.r1_Ohm > 0) {
            e -= a1 * this.v1
            r += m.r1_Ohm * k * (1 - a1)
        }
        if (m.r2_Ohm > 0) {
            e -= a2 * this.v2
            r += m.r2_Ohm * k * (1 - a2)
        }
        if (m.implicitOcv) {
            // The OCV moves by -b * I * dt / (3600 Q) over the step; the source sees theta of that move. theta is
            // fitted to the exponential: for a cell held at a constant voltage (CV) with a linear OCV, the current
            // decays as exp(-lambda) per step, lambda = b * dt / (3600 Q R); theta = 1 / (1 - e^-lambda) - 1 / lambda
            // (1/2, the midpoint rule, for short steps; 1, implicit Euler, for stiff ones). R = 0: theta = 1.
            const move = (slope * dt_s) / (3600 * this.capacity_Ah)
            let theta = 1
            if (r > 0) {
                const lam = move / r
                theta = lam < 1e-3 ? 0.5 + lam / 12 : 1 / (1 - Math.exp(-lam)) - 1 / lam
            }
            r += theta * move
        }
        this.e_V = e
        this.r_Ohm = r
    }

    /**
     * Advance by dt at current I (after prepare with the same dt). sdFactor scales the self-discharge for
     * temperature. Returns the heat dissipated in this group, joules.
     */
    advance(dt_s: number, current_A: number, a1: number, a2: number, sdFactor: number, ageing: boolean, simple: boolean): number {
        if (simple && !ageing && this.selfDischarge_perDay === 0 && this.m.chargeEfficiency === 1) {
            this.soc -= (current_A * dt_s) / 3600 / this.capacity_Ah
            this.current_A = current_A
            return current_A * current_A * this.r0_Ohm * this.k * dt_s
        }
        const m = this.m
        const k = this.k
        let vRc = 0
        if (m.r1_Ohm > 0) {
            this.v1 = a1 * this.v1 + current_A * m.r1_Ohm * k * (1 - a1)
            vRc = this.v1
        }
        if (m.r2_Ohm > 0) {
            this.v2 = a2 * this.v2 + current_A * m.r2_Ohm * k * (1 - a2)
            vRc += this.v2
        }
        // I * (OCV - V_term) with the RC voltages at the end of the step (the OCV drift within the step is no heat)
        let heat = current_A * (current_A * this.r0_Ohm * k + vRc - this.h * m.hysteresis_V) * dt_s
        let dAh = (current_A * dt_s) / 3600
        const q = this.capacity_Ah
        if (dAh < 0 && m.chargeEfficiency !== 1) {
            heat -= (1 - m.chargeEfficiency) * dAh * 3600 * this.ocv_V // side reactions on charge end as heat
            dAh = dAh * m.chargeEfficiency
        }
        let dSoc = dAh / q
        if (this.selfDischarge_perDay > 0 && this.soc > 0) {
            const sd = (this.selfDischarge_perDay * sdFactor * dt_s) / 86400
            dSoc += sd
            heat += this.ocv_V * sd * q * 3600
        }
        if (m.hysteresis_V > 0 && current_A !== 0) {
            const target = current_A > 0 ? -1 : 1
            const x = ((current_A > 0 ? current_A : -current_A) * dt_s) / (3600 * q * m.hysteresisSoc)
            this.h = target + (this.h - target) * Math.exp(-x)
        }
        this.soc -= dSoc
        if (ageing) this.pendingAh += ((current_A > 0 ? current_A : -current_A) * dt_s) / 3600
        this.current_A = current_A
        return heat
    }

    /** Apply the ageing accumulated over the last `elapsed_s` (throughput booked by advance) at temperature t_C. */
    applyAgeing(elapsed_s: number, t_C: number): void {
        const m = this.m
        let s = this.soc
        if (s < 0) s = 0
        if (s > 1) s = 1
        let loss = (m.cycleFade * this.pendingAh) / this.capacity_Ah
        if (m.calendarFade_perDay > 0)
            loss += m.calendarFade_perDay * calendarFactor(m, s, t_C) * (elapsed_s / 86400)
        this.pendingAh = 0
        if (loss > 0.5) loss = 0.5
        this.capacity_Ah = this.capacity_Ah * (1 - loss)
        this.rAge = this.rAge0 + (m.resistanceGrowth * (this.serviceCapacity_Ah - this.capacity_Ah)) / this.builtCapacity_Ah
    }
}

/** Calendar-ageing factor relative to 40 % SOC and 25 °C. */
export function calendarFactor(m: CellModel, soc: number, t_C: number): number {
    return Math.exp(m.calendarSocCoeff * (soc - 0.4) + (m.calendarActivation_J_per_mol / GAS_CONSTANT_J_PER_MOL_K) * (1 / T_REF_K - 1 / (t_C + KELVIN)))
}
