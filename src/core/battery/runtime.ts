// Runtime predictions. Time to empty walks the pack down in small charge steps at a constant power,
// with each group's voltage under that load (OCV minus the current times its steady-state resistance at
// the present temperature), until the first group reaches the cut-off: the energy the pack can really
// deliver at that load, not a label capacity divided by a guess. Time to full walks up at the charge
// current to the charger's constant-voltage point, then adds the taper.
import { Chemistry, arrhenius, ocvAt_mV, socResistanceFactor } from "./chemistry"

export interface RuntimeGroup {
    soc: number
    q_Ah: number
    /** Learned ohmic resistance (R0) relative to the chemistry's typical one. */
    rFactor: number
}

const MAX_STEPS = 250

/** Steady-state resistance of a group under a sustained load: R0 (learned) plus both RC pairs. */
function groupR(c: Chemistry, g: RuntimeGroup, temp_C: number, soc: number): number {
    return ((c.r0_mOhmAh * g.rFactor + c.r1_mOhmAh + c.r2_mOhmAh) / 1000 / g.q_Ah) * arrhenius(c, temp_C) * socResistanceFactor(soc)
}

/**
 * Seconds until the first group reaches the cut-off at a constant pack power (W, from the pack), or -1
 * when nothing is drawn. Capped at maxSeconds.
 */
export function timeToEmpty_s(c: Chemistry, groups: RuntimeGroup[], temp_C: number, power_W: number, maxSeconds: number): number {
    if (!(power_W > 0)) return -1
    const n = groups.length
    const soc: number[] = groups.map(g => g.soc)
    let qMin = groups[0].q_Ah
    for (const g of groups) if (g.q_Ah < qMin) qMin = g.q_Ah
    const dAh = qMin * 0.01
    const cutoff = c.cutoff_mV / 1000
    let t = 0
    let prevMargin = 1e9
    let prevT = 0
    for (let k = 0; k < MAX_STEPS; k++) {
        let e = 0
        let r = 0
        for (let i = 0; i < n; i++) {
            e += ocvAt_mV(c, soc[i]) / 1000
            r += groupR(c, groups[i], temp_C, soc[i])
        }
        const disc = e * e - 4 * r * power_W
        if (disc < 0) return t // the pack can no longer deliver this power
        const I = (e - Math.sqrt(disc)) / (2 * r)
        let margin = 1e9
        for (let i = 0; i < n; i++) {
            const v = ocvAt_mV(c, soc[i]) / 1000 - I * groupR(c, groups[i], temp_C, soc[i])
            if (v - cutoff < margin) margin = v - cutoff
        }
        if (margin <= 0) {
            // Interpolate between the last step above the cut-off and this one.
            if (prevMargin < 1e8 && prevMargin > 0) return prevT + ((t - prevT) * prevMargin) / (prevMargin - margin)
            return t
        }
        prevMargin = margin
        prevT = t
        t += (dAh * 3600) / I
        if (t > maxSeconds) return maxSeconds
        for (let i = 0; i < n; i++) soc[i] -= dAh / groups[i].q_Ah
    }
    return t
}

/**
 * Seconds to charge from now to `targetSoc` (the highest group) at `current_A`, with the charger's
 * constant-voltage limit `cvPerCell_V`; the taper below it ends at `tail_A`.
 */
export function timeToFull_s(c: Chemistry, groups: RuntimeGroup[], temp_C: number, current_A: number, targetSoc: number, cvPerCell_V: number, tail_A: number): number {
    if (!(current_A > 0)) return -1
    const n = groups.length
    const soc: number[] = groups.map(g => g.soc)
    let qMin = groups[0].q_Ah
    for (const g of groups) if (g.q_Ah < qMin) qMin = g.q_Ah
    const dAh = qMin * 0.01
    let t = 0
    for (let k = 0; k < MAX_STEPS; k++) {
        let sMax = soc[0]
        let vMax = 0
        for (let i = 0; i < n; i++) {
            if (soc[i] > sMax) sMax = soc[i]
            const v = ocvAt_mV(c, soc[i]) / 1000 + current_A * groupR(c, groups[i], temp_C, soc[i])
            if (v > vMax) vMax = v
        }
        if (sMax >= targetSoc) return t
        if (vMax >= cvPerCell_V) {
            // Constant voltage: the current decays roughly exponentially while the remaining charge goes in.
            const remaining_Ah = (targetSoc - sMax) * qMin
            const tau_s = (remaining_Ah * 3600) / current_A
            const ratio = current_A / (tail_A > 0 ? tail_A : current_A * 0.05)
            return t + tau_s * Math.log(ratio > 1 ? ratio : 1)
        }
        t += (dAh * 3600) / current_A
        for (let i = 0; i < n; i++) soc[i] += dAh / groups[i].q_Ah
    }
    return t
}
