// Provisional capacity per series group, from the filter's own SOC against the counted charge. Before a
// capacity is measured between two anchors, the voltage-steered SOC already shows it: a group with 80 %
// of its label capacity falls 25 % faster than counting says. This estimate is never saved and never
// makes a health figure; it only sharpens the SOC and runtimes of the present pass, weighed against the
// learned capacity by inverse variance, so once a capacity is measured it has almost no say.
// Portable; SOC as a fraction, charge in Ah (discharge positive).

/** Least SOC the filter must have moved before its movement says anything. */
const MIN_MOVE = 0.08
/** Observations looser than this (relative sigma) are ignored: the label is already that good. */
const MAX_REL_SIGMA = 0.15

export class CapacityTrend {
    /** The window's start (set by trendRestart(); no groups before it): SOC, its variance, counted charge. */
    s0: number[] = []
    s0Var: number[]
    ah0: number
    /** Observed capacity per group, Ah, and its variance; variance 0 means no observation yet. */
    q_Ah: number[]
    qVar: number[] = []
}

// The trend's operations, as module functions (no prototype entries, cheaper calls in the VM's image).

/** Start a new window at the filter's present SOCs (at boot, and whenever a capacity was learned). */
export function trendRestart(trend: CapacityTrend, soc: number[], sigma: number[], counter_Ah: number): void {
    const v: number[] = []
    const none: number[] = []
    for (let i = 0; i < soc.length; i++) {
        v.push(sigma[i] * sigma[i])
        none.push(0)
    }
    trend.s0 = soc.slice(0)
    trend.s0Var = v
    trend.ah0 = counter_Ah
    trend.q_Ah = none
    trend.qVar = none.slice(0)
}

/** Observe group i now: its filter SOC and sigma, and the charge counted since boot. */
export function trendObserve(trend: CapacityTrend, i: number, soc: number, sigma: number, counter_Ah: number, qModel_Ah: number): void {
    if (i >= trend.s0.length) return
    const dAh = counter_Ah - trend.ah0
    const ds = trend.s0[i] - soc
    if (!(Math.abs(dAh) >= MIN_MOVE * qModel_Ah)) return
    if (!(ds * dAh > 0)) return
    if (!(Math.abs(ds) >= MIN_MOVE)) return
    const q = dAh / ds
    const rel = Math.sqrt(trend.s0Var[i] + sigma * sigma) / Math.abs(ds)
    if (rel > MAX_REL_SIGMA) return
    if (q < 0.5 * qModel_Ah) return
    if (q > 1.5 * qModel_Ah) return
    trend.q_Ah[i] = q
    trend.qVar[i] = rel * q * rel * q
}

/** The capacity to use for group i: the learned one, fused with the observation when there is one. */
export function trendEffective(trend: CapacityTrend, i: number, learned_Ah: number, learnedVar: number): number {
    // Undefined (no observation) before the first restart.
    const v = trend.qVar[i]
    if (!(v > 0)) return learned_Ah
    if (!(learnedVar > 0)) return learned_Ah
    return (learned_Ah * v + trend.q_Ah[i] * learnedVar) / (v + learnedVar)
}
