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
    if (mV < o.min_mV || mV > o.max_mV || mV <= 0) return 0
    if (o.kind === "battery" || o.kind === "avs") return Math.floor((o.max_mW * 1000) / mV)
    if (o.kind === "spr_avs") return mV <= 15000 ? o.max_mA : o.high_mA
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
    for (const o of offers) {
        if (!o || avoid.indexOf(o.position) >= 0) continue
        // A variable supply may sit anywhere in its range: all of it must fit the input window.
        const wholeRange = o.kind === "fixed" || o.kind === "variable" || o.kind === "battery"
        if (wholeRange && (o.min_mV < lim.inMin_mV || o.max_mV > lim.inMax_mV)) continue
        // Programmable offers: the highest voltage both allow (the same power at less current).
        let mV = o.kind === "fixed" ? o.max_mV : o.kind === "variable" || o.kind === "battery" ? o.min_mV : Math.min(o.max_mV, lim.inMax_mV)
        if (!wholeRange) {
            mV = Math.floor(mV / PROGRAMMABLE_STEP_mV) * PROGRAMMABLE_STEP_mV
            if (mV < o.min_mV || mV < lim.inMin_mV) continue
        }
        let mA = Math.min(offerCurrentAt_mA(o, mV), cable_mA)
        // No more than the box can use.
        mA = Math.min(mA, Math.ceil((lim.want_mW * 1000) / mV))
        const power_mW = Math.floor((mV * mA) / 1000)
        if (mA <= 0) continue
        const better = !best || power_mW > best.power_mW || (power_mW === best.power_mW && (mA < best.mA || (mA === best.mA && o.kind === "fixed" && best.kind !== "fixed")))
        if (better) best = { position: o.position, kind: o.kind, mV, mA, power_mW }
    }
    return best
}

/** A PPS or AVS contract lapses unless the sink asks again (tPPSTimeout, 10-15 s): ask at this period. */
export const PROGRAMMABLE_REFRESH_ms = 5000

export function needsRefresh(kind: string): boolean {
    return kind === "pps" || kind === "avs" || kind === "spr_avs"
}
