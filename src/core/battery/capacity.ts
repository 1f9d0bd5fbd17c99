// Learns each series group's usable capacity from pairs of anchors: moments when the SOC is known from
// the voltage alone (a long rest at a steep part of the curve, the tail of a full charge, the cut-off),
// independently of the charge counter. Between two anchors the counter says how many Ah moved; divided
// by the SOC difference the anchors saw, that is a measurement of the capacity, with an uncertainty from
// both anchors and from the current sensor. Measurements are fused by inverse variance, with a slow
// random walk so the estimate follows ageing.

export interface Anchor {
    /** "rest" | "full" | "empty" */
    kind: string
    t_s: number
    /** Charge counter (Ah out of the pack, efficiency-corrected) at the anchor. */
    counter_Ah: number
    /** SOC of each group from the voltage alone, and its variance. */
    soc: number[]
    variance: number[]
    /** Anchors from different epochs (a restart in between) are never paired: the counter has a gap. */
    epoch: number
}

/** Smallest SOC span of a usable pair, and largest relative uncertainty of a usable measurement. */
const MIN_SPAN = 0.3
const MAX_REL_SIGMA = 0.05
const KEEP = 6

export class CapacityLearner {
    q_Ah: number[]
    qVar: number[]
    anchors: Anchor[] = []
    /** How many capacity measurements were fused. */
    learned = 0
    lastRelSigma = 0

    constructor(q_Ah: number[], qSigma_Ah: number[]) {
        this.q_Ah = q_Ah.slice(0)
        this.qVar = qSigma_Ah.map(s => s * s)
    }
}

// The learner's operations, as module functions (no prototype entries, cheaper calls in the VM's image).

/**
 * A new anchor. `currentSigma_A` is the charge counter's one-sigma current error, which over the time
 * between two anchors becomes an error in the counted Ah. Returns the number of groups updated.
 */
export function addAnchor(learner: CapacityLearner, a: Anchor, currentSigma_A: number, ageDriftPerDay: number): number {
    let updated = 0
    const soc = a.soc
    const n = soc.length
    // Pair with the earlier anchor of the same epoch that spans the most SOC.
    let best: Anchor = undefined
    let bestSpan = 0
    for (const p of learner.anchors)
        if (p.epoch === a.epoch) {
            let span = 0
            for (let i = 0; i < n; i++) span += Math.abs(p.soc[i] - soc[i])
            span /= n
            if (span > bestSpan) {
                bestSpan = span
                best = p
            }
        }
    if (bestSpan >= MIN_SPAN) {
        const q_Ah = learner.q_Ah
        const qVar = learner.qVar
        const dAh = a.counter_Ah - best.counter_Ah
        const dt_h = (a.t_s - best.t_s) / 3600
        const counterSigma_Ah = currentSigma_A * dt_h
        for (let i = 0; i < n; i++) {
            const ds = best.soc[i] - soc[i]
            if (Math.abs(ds) < MIN_SPAN) continue
            if ((ds > 0) !== (dAh > 0)) continue
            const q = dAh / ds
            const rel2 = (best.variance[i] + a.variance[i]) / (ds * ds) + (counterSigma_Ah / dAh) * (counterSigma_Ah / dAh)
            if (!(q > 0)) continue
            if (rel2 > MAX_REL_SIGMA * MAX_REL_SIGMA) continue
            // Capacity may have faded since the last measurement: widen the prior first.
            const drift = q_Ah[i] * ageDriftPerDay * (dt_h / 24)
            const prior = qVar[i] + drift * drift
            const k = prior / (prior + q * q * rel2)
            q_Ah[i] = q_Ah[i] + k * (q - q_Ah[i])
            qVar[i] = prior * (1 - k)
            learner.lastRelSigma = Math.sqrt(rel2)
            updated++
        }
        if (updated > 0) learner.learned = learner.learned + 1
    }
    const anchors = learner.anchors
    anchors.push(a)
    if (anchors.length > KEEP) anchors.shift()
    return updated
}

/** Group i's learned capacity's one-sigma, Ah. */
export function capacitySigma_Ah(learner: CapacityLearner, i: number): number {
    return Math.sqrt(learner.qVar[i])
}
