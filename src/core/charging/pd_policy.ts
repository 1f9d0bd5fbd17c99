// Which source capability to ask for: the most charge power the box can use, inside the charger's input
// range, the cable's and connector's current rating and a thermal derating; a voltage for programmable
// offers. Portable; mV, mA, mW.
import { Offer } from "./pdo"

export interface PdLimits {
    /** The charger's input window (BQ25756: 4.2-70 V; the board's input protection may narrow it). */
    inMin_mV: number
    inMax_mV: number
    /** What the cable and connector carry: 3 A, or 5 A with an e-marked 5 A cable. */
    cable_mA: number
    /** Input power the box can use now (charging plus what the outputs take from the input). */
    want_mW: number
    /** 0..1: the input's thermal derating (the sink's temperature, the charger's). */
    derate: number
}

/** What to ask the source for. */
export interface PdRequest {
    position: number
    kind: string
    mV: number
    /** Operating current to request (a PPS / AVS request's current limit). */
    mA: number
    /** Input power this contract gives the box, mW (the choice's score). */
    power_mW: number
}

/** PPS voltages go in 20 mV steps, AVS in 25 mV (USB PD R3.2, the request data object); both fit 100 mV. */
const PROGRAMMABLE_STEP_mV = 100

/** Current the offer allows at `mV` (0 when it gives none there). */
export function offerCurrentAt_mA(o: Offer, mV: number): number {
    if (mV < o.min_mV) return 0
    if (mV > o.max_mV) return 0
    if (mV <= 0) return 0
    const kind = o.kind
    if (kind === "battery" || kind === "avs") return Math.floor((o.max_mW * 1000) / mV)
    // Up to 15 V the offer's own current; above (and for NaN, negated test) the high range's.
    if (kind === "spr_avs") if (!(mV <= 15000)) return o.high_mA
    return o.max_mA
}

/**
 * The best request among `offers`, or undefined when none fits the input window (the box then stays on
 * its battery and says so). `avoid`: positions that failed since the source attached (a source that
 * could not hold what it offered). Ties go to the lower current (less cable loss), then fixed offers
 * (no periodic re-request).
 */
export function choosePdRequest(offers: Offer[], lim: PdLimits, avoid: number[]): PdRequest {
    let best: PdRequest = undefined
    const cable_mA = Math.max(0, lim.cable_mA * Math.min(1, Math.max(0, lim.derate)))
    const inMin_mV = lim.inMin_mV
    const inMax_mV = lim.inMax_mV
    // Plain ifs rather than || and && chains: the same tests in less code.
    for (const o of offers) {
        if (!o) continue
        if (avoid.indexOf(o.position) >= 0) continue
        const kind = o.kind
        const min_mV = o.min_mV
        const max_mV = o.max_mV
        let mV: number
        if (kind === "fixed" || kind === "variable" || kind === "battery") {
            // A variable supply may sit anywhere in its range: all of it must fit the input window.
            if (min_mV < inMin_mV) continue
            if (max_mV > inMax_mV) continue
            mV = min_mV
            if (kind === "fixed") mV = max_mV
        } else {
            // Programmable offers: the highest voltage both allow (the same power at less current).
            mV = Math.floor(Math.min(max_mV, inMax_mV) / PROGRAMMABLE_STEP_mV) * PROGRAMMABLE_STEP_mV
            if (mV < min_mV) continue
            if (mV < inMin_mV) continue
        }
        let mA = Math.min(offerCurrentAt_mA(o, mV), cable_mA)
        // No more than the box can use.
        mA = Math.min(mA, Math.ceil((lim.want_mW * 1000) / mV))
        const power_mW = Math.floor((mV * mA) / 1000)
        if (mA <= 0) continue
        if (best) {
            // Not better: less power (or none measurable), or a tie lost.
            const best_mW = best.power_mW
            if (!(power_mW >= best_mW)) continue
            if (power_mW === best_mW) {
                if (mA > best.mA) continue
                if (mA === best.mA) {
                    if (kind !== "fixed") continue
                    if (best.kind === "fixed") continue
                }
            }
        }
        best = { position: o.position, kind, mV, mA, power_mW }
    }
    return best
}

/** A PPS or AVS contract lapses unless the sink asks again (tPPSTimeout, 10-15 s): ask at this period. */
export const PROGRAMMABLE_REFRESH_ms = 5000

export function needsRefresh(kind: string): boolean {
    return kind === "pps" || kind === "avs" || kind === "spr_avs"
}
