// One series group's state of charge: an extended Kalman filter over [SOC, V1, V2] (the two RC
// polarisation voltages of the equivalent circuit), driven by counted charge and corrected by the cell's
// voltage. The gain follows the OCV slope, so a voltage read on LFP's flat plateau moves the estimate
// very little and one read at a steep end moves it a lot; voltage under load is worth less than voltage
// at rest, because the resistance model is uncertain. Portable; all units SI (V, A, Ah, s).
import { Chemistry, arrhenius, ocvAt_mV, ocvSlope_mV, socResistanceFactor } from "./chemistry"

/** Model parameters of one series group at the present temperature (RC time constants: the chemistry's). */
export interface CellParams {
    q_Ah: number
    r0: number
    r1: number
    r2: number
}

/** Parameters for a group of capacity q_Ah at temp_C, from the chemistry and a learned ohmic-resistance factor. */
export function cellParams(c: Chemistry, q_Ah: number, temp_C: number, soc: number, r0Factor: number): CellParams {
    const k = (arrhenius(c, temp_C) * socResistanceFactor(soc)) / 1000 / q_Ah
    return { q_Ah, r0: c.r0_mOhmAh * k * r0Factor, r1: c.r1_mOhmAh * k, r2: c.r2_mOhmAh * k }
}

/** Index pairs of P's mirrored off-diagonal elements. */
const SYM: number[] = JSON.parse("[1, 3, 2, 6, 5, 7]")

export class CellFilter {
    soc: number
    v1: number
    v2: number
    /** LFP hysteresis offset of the OCV, V (negative after discharging). */
    hyst = 0
    /** Covariance of [soc, v1, v2], row-major. */
    P: number[]
    /**
     * Effective time since the SOC was last pinned down, s. A current-sensor bias is not white noise: its
     * SOC error grows in proportion to time, so the variance it adds grows with this age, and each
     * correction shortens the age in proportion to how much it shrank the variance.
     */
    drift_s = 0
    /** Likewise for a capacity error: SOC moved (as counted) since the SOC was last pinned down. */
    moved = 0

    /**
     * SOC with its sigma; the RC states start at v1 and v2 (V), each as uncertain as it is large, plus 1 mV for
     * the fast pair and 20 mV for the slow one (a load long ago may have left that much).
     */
    constructor(soc: number, sigma: number, v1: number, v2: number) {
        this.soc = soc
        this.v1 = v1
        this.v2 = v2
        this.P = [sigma * sigma, 0, 0, 0, v1 * v1 + 1e-6, 0, 0, 0, 0.02 * 0.02 + v2 * v2]
    }
}

/** The SOC's one-sigma. */
export function filterSigma(f: CellFilter): number {
    return Math.sqrt(Math.max(f.P[0], 0))
}

/**
 * Move forward by dt: `dAh` is the charge that left the group (negative while charging, already
 * corrected for sensor errors and charge efficiency), `I` the mean current. `qSigmaRel` is the relative
 * uncertainty of the capacity, `biasSigma_A` the current sensor's remaining (systematic) uncertainty.
 */
export function filterPredict(f: CellFilter, c: Chemistry, p: CellParams, dAh: number, I: number, dt_s: number, qSigmaRel: number, biasSigma_A: number): void {
    const ds = dAh / p.q_Ah
    const m = Math.abs(ds)
    f.soc = f.soc - ds
    const a1 = Math.exp(-dt_s / c.tau1_s)
    const a2 = Math.exp(-dt_s / c.tau2_s)
    f.v1 = f.v1 * a1 + I * p.r1 * (1 - a1)
    f.v2 = f.v2 * a2 + I * p.r2 * (1 - a2)
    const hy = c.hysteresis_mV
    if (hy > 0)
        if (ds !== 0) {
            const target = (ds > 0 ? -hy : hy) / 1000
            f.hyst = f.hyst + (target - f.hyst) * (1 - Math.exp(-m / c.hysteresisSoc))
        }
    // Process noise: a sensor bias grows the SOC error linearly with time (variance with its square),
    // a capacity error in proportion to the charge moved; RC states wander a little.
    const b = biasSigma_A / 3600 / p.q_Ah
    const qs = b * b * (2 * f.drift_s * dt_s + dt_s * dt_s) + qSigmaRel * qSigmaRel * (2 * f.moved * m + m * m)
    f.drift_s = f.drift_s + dt_s
    f.moved = f.moved + m
    const qv = 1e-7 * dt_s
    const P = f.P
    // P = F P F' + Q with F = diag(1, a1, a2)
    P[0] = P[0] + qs
    P[1] = P[1] * a1
    P[2] = P[2] * a2
    P[3] = P[3] * a1
    P[4] = P[4] * a1 * a1 + qv
    P[5] = P[5] * (a1 * a2)
    P[6] = P[6] * a2
    P[7] = P[7] * (a1 * a2)
    P[8] = P[8] * a2 * a2 + qv
}

/**
 * Correct with a measured terminal voltage `v` at current `I`; `r_V2` is the measurement noise
 * variance (ADC plus model error). Returns the innovation (V).
 */
export function filterUpdate(f: CellFilter, c: Chemistry, p: CellParams, v: number, I: number, r_V2: number): number {
    const h0 = ocvSlope_mV(c, f.soc) / 1000
    // H = [h0, -1, -1]
    const P = f.P
    const PH0 = P[0] * h0 - P[1] - P[2]
    const PH1 = P[3] * h0 - P[4] - P[5]
    const PH2 = P[6] * h0 - P[7] - P[8]
    const S = h0 * PH0 - PH1 - PH2 + r_V2
    if (!(S > 0)) return 0
    // The innovation: measured minus predicted terminal voltage.
    const innov = v - (ocvAt_mV(c, f.soc) / 1000 + f.hyst - I * p.r0 - f.v1 - f.v2)
    correct(f, PH0, PH1, PH2, S, innov)
    return innov
}

/** Fuse an independent SOC observation (an anchor) with its variance: an update with H = [1, 0, 0]. */
export function filterFuse(f: CellFilter, soc: number, variance: number): void {
    const P = f.P
    correct(f, P[0], P[3], P[6], P[0] + variance, soc - f.soc)
}

/**
 * The Kalman correction shared by both updates: PH = P H' (a column; P symmetric, so also the row H P),
 * S = H P H' + R. State += K innov with K = PH / S; P = (I - K H) P, symmetrised, its SOC variance kept
 * positive; the drift ages shrink with the SOC variance.
 */
function correct(f: CellFilter, PH0: number, PH1: number, PH2: number, S: number, innov: number): void {
    const P = f.P
    const k0 = PH0 / S
    const k1 = PH1 / S
    const k2 = PH2 / S
    const before = P[0]
    f.soc = f.soc + k0 * innov
    f.v1 = f.v1 + k1 * innov
    f.v2 = f.v2 + k2 * innov
    // P -= K PH', then the mirrored off-diagonal pairs (1, 3), (2, 6), (5, 7) set to their mean.
    const K = [k0, k1, k2]
    const PH = [PH0, PH1, PH2]
    for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
            const x = 3 * i + j
            P[x] = P[x] - K[i] * PH[j]
        }
    for (let m = 0; m < 6; m += 2) {
        const s = (P[SYM[m]] + P[SYM[m + 1]]) / 2
        P[SYM[m]] = s
        P[SYM[m + 1]] = s
    }
    if (P[0] < 1e-10) P[0] = 1e-10
    // The drift ages shrink as much as the SOC variance did.
    if (before > 0) {
        const k = P[0] / before
        f.drift_s = f.drift_s * k
        f.moved = f.moved * k
    }
}
