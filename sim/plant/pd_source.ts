// USB PD sources as a charger the owner plugs in behaves: what it offers, what it accepts, and the VBUS it
// holds under load. The AP33772S emulator (sim/emulators/ap33772s.ts) talks PD with one of these; the
// plant takes power from the contract's VBUS. Offers are the portable `Offer`s (src/core/charging/pdo.ts).
import { Offer } from "../../src/core/charging/pdo"

export interface PdSource {
    name: string
    /** What it offers at time t (a multi-port charger offers less while another port is used). */
    offers(t_s: number): Offer[]
    /** Connected at time t (a flaky source drops out). */
    present(t_s: number): boolean
    /**
     * VBUS at the contract's voltage with `load_A` drawn: a cable's drop, and a collapse past what the
     * source can really deliver (a weak or lying charger), V.
     */
    vbus_V(contract_mV: number, load_A: number, t_s: number): number
    /** The most power it can really give at time t, W (a benchmark's reference, not something a sink can read). */
    real_W(t_s: number): number
}

/** The most a sink could get from `s` at time t through a cable carrying `cable_mA`: the best offer, capped by what the source can really give, W. */
export function sourceCapability_W(s: PdSource, t_s: number, cable_mA: number): number {
    if (!s.present(t_s)) return 0
    let best = 0
    for (const o of s.offers(t_s)) {
        const mA = Math.min(o.max_mA, cable_mA)
        const w = (o.max_mV * mA) / 1e6
        if (w > best) best = w
    }
    return Math.min(best, s.real_W(t_s))
}

export function fixedOffer(position: number, mV: number, mA: number): Offer {
    return { kind: "fixed", position, min_mV: mV, max_mV: mV, max_mA: mA, max_mW: 0, high_mA: 0 }
}

export function ppsOffer(position: number, min_mV: number, max_mV: number, mA: number): Offer {
    return { kind: "pps", position, min_mV, max_mV, max_mA: mA, max_mW: 0, high_mA: 0 }
}

/** A charger with fixed offers (and maybe PPS) that holds its voltage up to `limit_W`, then folds back. */
class SimpleSource implements PdSource {
    name: string
    private list: Offer[]
    /** What it can really deliver, W; cable resistance, ohm. */
    limit_W: number
    cable_Ohm = 0.1
    constructor(name: string, list: Offer[], limit_W: number) {
        this.name = name
        this.list = list
        this.limit_W = limit_W
    }
    offers(t_s: number): Offer[] {
        return this.list
    }
    real_W(t_s: number): number {
        return this.limit_W
    }
    present(t_s: number): boolean {
        return true
    }
    vbus_V(contract_mV: number, load_A: number, t_s: number): number {
        const v = contract_mV / 1000 - load_A * this.cable_Ohm
        // Past its real limit the source folds back: the voltage falls so the power stays at the limit.
        if (load_A > 0 && v * load_A > this.limit_W) return this.limit_W / load_A
        return v
    }
}

/** A 20 W phone charger: 5 V 3 A, 9 V 2.22 A, 12 V 1.67 A. */
export function phoneCharger20W(): PdSource {
    return new SimpleSource("20 W phone charger", [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 2220), fixedOffer(3, 12000, 1670)], 20.5)
}

/** A 65 W laptop charger: 5/9/15/20 V and a 3.3-21 V 3 A PPS. */
export function laptopCharger65W(): PdSource {
    return new SimpleSource("65 W laptop charger (PPS)", [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 3000), fixedOffer(3, 15000, 3000), fixedOffer(4, 20000, 3250), ppsOffer(5, 3300, 21000, 3000)], 66)
}

/** A charger that offers more than it can deliver (a cheap one that sags): 20 V 3 A on the label, 35 W in fact. */
export function weakCharger(): PdSource {
    return new SimpleSource("charger that cannot hold its 60 W offer", [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 3000), fixedOffer(3, 20000, 3000)], 35)
}

/**
 * A 100 W two-port charger: alone, up to 20 V 5 A; while its other port is in use (from `shareFrom_s` to
 * `shareTo_s`), 65 W: its offers change and the sink must renegotiate.
 */
export class MultiPortCharger implements PdSource {
    name = "100 W two-port charger"
    shareFrom_s: number
    shareTo_s: number
    constructor(shareFrom_s: number, shareTo_s: number) {
        this.shareFrom_s = shareFrom_s
        this.shareTo_s = shareTo_s
    }
    private shared(t_s: number): boolean {
        return t_s >= this.shareFrom_s && t_s < this.shareTo_s
    }
    offers(t_s: number): Offer[] {
        if (this.shared(t_s)) return [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 3000), fixedOffer(3, 15000, 3000), fixedOffer(4, 20000, 3250), ppsOffer(5, 3300, 21000, 3000)]
        return [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 3000), fixedOffer(3, 15000, 3000), fixedOffer(4, 20000, 5000), ppsOffer(5, 3300, 21000, 5000)]
    }
    present(t_s: number): boolean {
        return true
    }
    real_W(t_s: number): number {
        return this.shared(t_s) ? 66 : 101
    }
    vbus_V(contract_mV: number, load_A: number, t_s: number): number {
        const limit_W = this.real_W(t_s)
        const v = contract_mV / 1000 - load_A * 0.05
        return load_A > 0 && v * load_A > limit_W ? limit_W / load_A : v
    }
}

/** A source that drops out for `off_s` every `period_s` (a loose plug, a failing adapter). */
export class FlakySource implements PdSource {
    name = "flaky 45 W charger (drops out)"
    private inner: PdSource
    period_s: number
    off_s: number
    constructor(period_s: number, off_s: number) {
        this.inner = new SimpleSource("", [fixedOffer(1, 5000, 3000), fixedOffer(2, 9000, 3000), fixedOffer(3, 15000, 3000), fixedOffer(4, 20000, 2250)], 46)
        this.period_s = period_s
        this.off_s = off_s
    }
    offers(t_s: number): Offer[] {
        return this.inner.offers(t_s)
    }
    present(t_s: number): boolean {
        const x = t_s - Math.floor(t_s / this.period_s) * this.period_s
        return x < this.period_s - this.off_s
    }
    vbus_V(contract_mV: number, load_A: number, t_s: number): number {
        return this.present(t_s) ? this.inner.vbus_V(contract_mV, load_A, t_s) : 0
    }
    real_W(t_s: number): number {
        return this.present(t_s) ? this.inner.real_W(t_s) : 0
    }
}
