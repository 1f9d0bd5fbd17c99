// USB Power Delivery source capabilities, decoded. Two encodings reach the firmware: raw 32-bit power data
// objects (PD wire format: a Source_Capabilities message, or a sink controller that hands them over as
// they came) and the AP33772S's compressed 16-bit table. Both decode to the same `Offer`, which the PD
// policy (pd_policy.ts) chooses from. Bit layouts: USB PD R3.2 section 6.4.1 (docs/charging.md has the table).
// Portable; voltages in mV, currents in mA, power in mW.

/** What one source capability offers. Fixed: min_mV = max_mV. */
export interface Offer {
    /** "fixed", "battery", "variable", "pps" (SPR programmable), "avs" (EPR adjustable) or "spr_avs". */
    kind: string
    /** Object position, 1-based: what a request names. */
    position: number
    min_mV: number
    max_mV: number
    /** Current the source allows (PPS: its current limit; spr_avs: up to 15 V). 0 when only power is given. */
    max_mA: number
    /** Power the source allows, when it says so (battery, AVS, spr_avs above 15 V); 0 otherwise. */
    max_mW: number
    /** spr_avs: the current allowed from 15 V to 20 V. */
    high_mA: number
}

/**
 * Unsigned field of `w`: `bits` wide from bit `lsb`. A PDO uses all 32 bits, so neither shifts (signed in
 * the VM) nor `%` (the DeviceScript VM takes it in 32-bit signed integers: 0x80000000 % 1024 is negative
 * there) will do: floor division only.
 */
function field(w: number, lsb: number, bits: number): number {
    const v = Math.floor(w / Math.pow(2, lsb))
    const m = Math.pow(2, bits)
    return v - Math.floor(v / m) * m
}

function offer(kind: string, position: number, min_mV: number, max_mV: number, max_mA: number, max_mW: number): Offer {
    return { kind, position, min_mV, max_mV, max_mA, max_mW, high_mA: 0 }
}

/**
 * A raw 32-bit source PDO at `position`. Returns undefined for an object no sink may use (all zero, or an
 * APDO type the spec reserves) so a corrupt message cannot become a request.
 */
export function decodePdo(w: number, position: number): Offer {
    if (!(w >= 1 && w <= 0xffffffff) || Math.floor(w) !== w) return undefined
    const type = field(w, 30, 2)
    if (type === 0) {
        const mV = field(w, 10, 10) * 50
        return mV > 0 ? offer("fixed", position, mV, mV, field(w, 0, 10) * 10, 0) : undefined
    }
    if (type === 1) return offer("battery", position, field(w, 10, 10) * 50, field(w, 20, 10) * 50, 0, field(w, 0, 10) * 250)
    if (type === 2) return offer("variable", position, field(w, 10, 10) * 50, field(w, 20, 10) * 50, field(w, 0, 10) * 10, 0)
    const sub = field(w, 28, 2)
    if (sub === 0) return offer("pps", position, field(w, 8, 8) * 100, field(w, 17, 8) * 100, field(w, 0, 7) * 50, 0)
    if (sub === 1) return offer("avs", position, field(w, 8, 8) * 100, field(w, 17, 9) * 100, 0, field(w, 0, 8) * 1000)
    if (sub === 2) {
        // SPR AVS: 9-20 V; one current up to 15 V, another from 15 to 20 V.
        const o = offer("spr_avs", position, 9000, 20000, field(w, 10, 10) * 10, 0)
        o.high_mA = field(w, 0, 10) * 10
        o.max_mW = 20 * o.high_mA
        return o
    }
    return undefined
}

/** AP33772S current code n: the source allows at least 1 A + 0.25 A * n (code 0: below 1.25 A, taken as 1 A). */
export function ap33772sCurrent_mA(code: number): number {
    return 1000 + 250 * code
}

/**
 * One 16-bit entry of the AP33772S's SRCPDO table (little-endian on the wire): b15 detected, b14 type
 * (0 fixed, 1 PPS / AVS), b13:10 current code, b9:8 minimum-voltage code (PPS / AVS), b7:0 maximum
 * voltage (100 mV steps for SPR positions 1-7, 200 mV for EPR positions 8-13). Undefined when not detected.
 */
export function decodeAp33772sPdo(w: number, position: number): Offer {
    // 16 bits: shifts and masks are exact here (field() is for the 32-bit objects).
    if (!(w >= 0 && w <= 0xffff)) return undefined
    if ((w & 0x8000) === 0) return undefined
    const epr = position >= 8
    const max_mV = (w & 0xff) * (epr ? 200 : 100)
    if (max_mV === 0) return undefined
    const mA = ap33772sCurrent_mA((w >> 10) & 15)
    if ((w & 0x4000) === 0) return offer("fixed", position, max_mV, max_mV, mA, 0)
    // The minimum-voltage code: 1 = the range's floor (3.3 V PPS, 15 V AVS), 2 = above it up to 5 V / 20 V.
    // Codes 0 and 3 leave it unstated: the policy takes the higher bound, never asking for too little.
    let min_mV = epr ? 20000 : 5000
    if (((w >> 8) & 3) === 1) min_mV = epr ? 15000 : 3300
    return offer(epr ? "avs" : "pps", position, min_mV, max_mV, mA, 0)
}
