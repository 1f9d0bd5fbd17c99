// Charging, portable parts: USB PD source capabilities decoded from both encodings (vectors built from the
// field tables of USB PD R3.2 section 6.4.1 and the AP33772S's SRCPDO format), and the choice of what to
// request. Shared: runs in the VM (group "charging") and in Node.
import { ap33772sCurrent_mA, decodeAp33772sPdo, decodePdo, Offer } from "../../src/core/charging/pdo"
import { PdLimits, choosePdRequest, offerCurrentAt_mA } from "../../src/core/charging/pd_policy"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

/** A 32-bit word from [value, lsb] fields, by arithmetic (not the decoder's code path). */
function word(fields: number[][]): number {
    let w = 0
    for (const f of fields) w += f[0] * Math.pow(2, f[1])
    return w
}

function show(o: Offer): string {
    return o ? o.kind + "#" + o.position + " " + o.min_mV + "-" + o.max_mV + " mV " + o.max_mA + " mA " + o.max_mW + " mW" + (o.high_mA > 0 ? " hi " + o.high_mA : "") : "none"
}

/** A 65 W laptop charger: 5 / 9 / 15 / 20 V fixed and a 3.3-21 V 3 A PPS. */
function laptop65(): Offer[] {
    const raw = [0x2601912c, 0x0002d12c, 0x0004b12c, 0x00064145, 0xc1a4213c]
    return raw.map((w, i) => decodePdo(w, i + 1))
}

function limits(want_mW: number): PdLimits {
    return { inMin_mV: 4200, inMax_mV: 28000, cable_mA: 3000, want_mW, derate: 1 }
}

export const chargingSpec: Spec = (t: TestApi) => {
    t.describe("charging: USB PD offers and requests", () => {
        t.test("raw fixed PDOs: voltage in 50 mV, current in 10 mA; flag bits ignored", async () => {
            // 0x2601912C: dual-role power, USB comms, dual-role data; 100 x 50 mV, 300 x 10 mA.
            assertEq(show(decodePdo(0x2601912c, 1)), "fixed#1 5000-5000 mV 3000 mA 0 mW", "5 V 3 A")
            assertEq(show(decodePdo(0x00064145, 4)), "fixed#4 20000-20000 mV 3250 mA 0 mW", "20 V 3.25 A")
            assertEq(show(decodePdo(word([[360, 10], [500, 0], [1, 23]]), 2)), "fixed#2 18000-18000 mV 5000 mA 0 mW", "18 V 5 A, EPR capable bit")
        })

        t.test("raw battery, variable, PPS, EPR AVS and SPR AVS objects", async () => {
            assertEq(show(decodePdo(word([[1, 30], [400, 20], [100, 10], [240, 0]]), 2)), "battery#2 5000-20000 mV 0 mA 60000 mW", "battery 5-20 V 60 W")
            assertEq(show(decodePdo(word([[2, 30], [240, 20], [180, 10], [150, 0]]), 3)), "variable#3 9000-12000 mV 1500 mA 0 mW", "variable 9-12 V 1.5 A")
            assertEq(show(decodePdo(0xc1a4213c, 5)), "pps#5 3300-21000 mV 3000 mA 0 mW", "PPS 3.3-21 V 3 A")
            assertEq(show(decodePdo(word([[3, 30], [1, 28], [280, 17], [150, 8], [140, 0]]), 8)), "avs#8 15000-28000 mV 0 mA 140000 mW", "EPR AVS 15-28 V 140 W")
            assertEq(show(decodePdo(word([[3, 30], [2, 28], [300, 10], [225, 0]]), 6)), "spr_avs#6 9000-20000 mV 3000 mA 45000 mW hi 2250", "SPR AVS 3 A to 15 V, 2.25 A to 20 V")
        })

        t.test("objects no sink may use decode to nothing: zero, reserved APDO, not a 32-bit whole number", async () => {
            assertEq(decodePdo(0, 1), undefined, "all zero")
            assertEq(decodePdo(word([[3, 30], [3, 28], [100, 17]]), 2), undefined, "APDO subtype 11 (reserved)")
            assertEq(decodePdo(4294967296, 1), undefined, "33 bits")
            assertEq(decodePdo(-1, 1), undefined, "negative")
            assertEq(decodePdo(1.5, 1), undefined, "fraction")
            assertEq(decodePdo(0x0000012c, 1), undefined, "fixed at 0 V")
        })

        t.test("AP33772S compressed entries: SPR in 100 mV, EPR in 200 mV, current codes, not-detected slots", async () => {
            // b15 detect, b14 type, b13:10 current code, b9:8 min-voltage code, b7:0 max voltage.
            assertEq(show(decodeAp33772sPdo(word([[1, 15], [8, 10], [50, 0]]), 1)), "fixed#1 5000-5000 mV 3000 mA 0 mW", "5 V, code 8 = 3 A")
            assertEq(show(decodeAp33772sPdo(word([[1, 15], [1, 14], [8, 10], [1, 8], [210, 0]]), 5)), "pps#5 3300-21000 mV 3000 mA 0 mW", "PPS 3.3-21 V")
            assertEq(show(decodeAp33772sPdo(word([[1, 15], [1, 14], [15, 10], [1, 8], [140, 0]]), 8)), "avs#8 15000-28000 mV 4750 mA 0 mW", "EPR AVS 15-28 V (200 mV steps)")
            assertEq(show(decodeAp33772sPdo(word([[1, 15], [12, 10], [140, 0]]), 9)), "fixed#9 28000-28000 mV 4000 mA 0 mW", "EPR fixed 28 V")
            assertEq(decodeAp33772sPdo(word([[8, 10], [50, 0]]), 1), undefined, "not detected")
            assertEq(decodeAp33772sPdo(0x10000, 1), undefined, "more than 16 bits")
            assertEq(ap33772sCurrent_mA(0) + "/" + ap33772sCurrent_mA(15), "1000/4750", "current code ends")
            // An unstated minimum (code 0 or 3) is taken as the higher floor: never ask below what it offers.
            assertEq(decodeAp33772sPdo(word([[1, 15], [1, 14], [8, 10], [3, 8], [210, 0]]), 5).min_mV, 5000, "PPS floor unknown")
        })

        t.test("request: the most power the box can use, inside the input window and the cable's 3 A", async () => {
            const r = choosePdRequest(laptop65(), limits(100000), [])
            // 20 V x 3.25 A would be 65 W, but the cable carries 3 A: 20 V fixed gives 60 W; PPS 21 V x 3 A = 63 W.
            assertEq(r.kind + " " + r.mV + " mV " + r.mA + " mA " + r.power_mW, "pps 21000 mV 3000 mA 63000", "PPS at its top")
            const narrow = choosePdRequest(laptop65(), { inMin_mV: 4200, inMax_mV: 16000, cable_mA: 3000, want_mW: 100000, derate: 1 }, [])
            assertEq(narrow.kind + " " + narrow.mV, "pps 16000", "PPS capped by a 16 V input window")
            const e5 = choosePdRequest(laptop65(), { inMin_mV: 4200, inMax_mV: 28000, cable_mA: 5000, want_mW: 100000, derate: 1 }, [5])
            assertEq(e5.position + " " + e5.mA, "4 3250", "with a 5 A cable and the PPS object failed: 20 V at the source's 3.25 A")
        })

        t.test("request: no more than the box wants; ties go to less current; a derated input asks for less", async () => {
            const r = choosePdRequest(laptop65(), limits(18000), [])
            assertEq(r.power_mW >= 18000 && r.power_mW < 18100, true, "18 W wanted: " + r.power_mW)
            assertEq(r.mV, 21000, "the highest voltage carries it at the least current")
            const hot = choosePdRequest(laptop65(), { inMin_mV: 4200, inMax_mV: 28000, cable_mA: 3000, want_mW: 100000, derate: 0.5 }, [])
            assertEq(hot.mA, 1500, "half the current when derated to 0.5")
        })

        t.test("request: nothing when no offer fits; a variable supply must fit whole; battery offers give power", async () => {
            const five = [decodePdo(0x2601912c, 1)]
            assertEq(choosePdRequest(five, { inMin_mV: 6000, inMax_mV: 28000, cable_mA: 3000, want_mW: 50000, derate: 1 }, []), undefined, "5 V only, charger needs 6 V")
            const variable = [decodePdo(word([[2, 30], [600, 20], [180, 10], [150, 0]]), 1)]
            assertEq(choosePdRequest(variable, limits(50000), []), undefined, "9-30 V variable exceeds a 28 V window")
            const battery = decodePdo(word([[1, 30], [400, 20], [100, 10], [240, 0]]), 1)
            assertEq(offerCurrentAt_mA(battery, 5000), 12000, "60 W at 5 V")
            const b = choosePdRequest([battery], limits(50000), [])
            assertEq(b.mV + " " + b.mA, "5000 3000", "a battery supply is asked at its lowest voltage, cable-limited")
        })
    })
}
