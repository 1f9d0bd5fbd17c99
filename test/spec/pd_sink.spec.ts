// The USB-C input end to end at register level: the AP33772S driver and the PD sink logic against the
// AP33772S emulator and plant sources (a laptop charger with PPS, a charger that cannot hold its offer, a
// multi-port charger that lowers its offer, a flaky one, a source hard reset). Shared: VM group "charging"
// and Node.
import { EmulatedBus } from "../../sim/emulators/emulated_bus"
import { Ap33772sEmulator, PPS_TIMEOUT_s, encodeSrcPdo } from "../../sim/emulators/ap33772s"
import { FlakySource, MultiPortCharger, PdSource, fixedOffer, laptopCharger65W, ppsOffer, weakCharger } from "../../sim/plant/pd_source"
import { Ap33772s, ap33772sRequestWord } from "../../src/drivers/ap33772s"
import { hex16 } from "../../src/drivers/bus"
import { decodeAp33772sPdo } from "../../src/core/charging/pdo"
import { PdLimits } from "../../src/core/charging/pd_policy"
import { PdSink, pdPoll } from "../../src/core/charging/pd_sink"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

const ADDR = 0x52
const STEP_s = 0.1

class Rig {
    bus = new EmulatedBus()
    emu = new Ap33772sEmulator(ADDR)
    sink: PdSink
    notes: string[] = []
    t_ms = 0
    /** Longest stretch without a contract while the source was present, ms. */
    longestGap_ms = 0
    private gap_ms = 0
    constructor() {
        this.bus.attach(this.emu)
        const notes = this.notes
        this.sink = new PdSink(new Ap33772s(this.bus, ADDR), m => {
            notes.push(m)
        })
    }
    /** Run for `s` seconds: the charger draws 95 % of the contract's current. */
    async run(s: number, lim: PdLimits, pause: () => Promise<void>): Promise<void> {
        for (let k = 0; k < s / STEP_s; k++) {
            const c = this.sink.contract
            const load_A = c && this.emu.switchClosed() ? (c.mA / 1000) * 0.95 : 0
            this.emu.step(STEP_s, load_A)
            this.t_ms += STEP_s * 1000
            await pdPoll(this.sink, this.t_ms, lim)
            const present = this.emu.source !== undefined && this.emu.source.present(this.t_ms / 1000)
            this.gap_ms = present && this.sink.state !== "contract" ? this.gap_ms + STEP_s * 1000 : 0
            if (this.gap_ms > this.longestGap_ms) this.longestGap_ms = this.gap_ms
            if (k % 50 === 0) await pause()
        }
    }
}

function lim(cable_mA: number): PdLimits {
    return { inMin_mV: 4200, inMax_mV: 28000, cable_mA, want_mW: 100000, derate: 1 }
}

function contractText(r: Rig): string {
    const c = r.sink.contract
    return c ? c.kind + " " + c.mV + " mV " + c.mA + " mA" : "none (" + r.sink.state + ")"
}

export const pdSinkSpec: Spec = (t: TestApi) => {
    t.describe("charging: the USB-C input (AP33772S, sources)", () => {
        t.test("the emulator shows offers in the chip's 16-bit format, and the decoder reads them back", async () => {
            const fixed = fixedOffer(4, 20000, 3250)
            const pps = ppsOffer(5, 3300, 21000, 3000)
            assertEq(hex16(encodeSrcPdo(fixed)), "0xa4c8", "20 V: detect, code 9 (3.25 A), 200 x 100 mV")
            assertEq(JSON.stringify(decodeAp33772sPdo(encodeSrcPdo(pps), 5)), JSON.stringify(pps), "PPS round trip")
            assertEq(hex16(ap33772sRequestWord({ position: 5, kind: "pps", mV: 21000, mA: 3000, power_mW: 63000 })), "0x58d2", "PPS request: #5, code 8, 210 x 100 mV")
        })

        t.test("a 65 W laptop charger: PPS at 21 V 3 A, kept alive past the source's timeout", async () => {
            const r = new Rig()
            r.emu.attach(laptopCharger65W())
            await r.run(3 * PPS_TIMEOUT_s, lim(3000), t.pause)
            assertEq(contractText(r), "pps 21000 mV 3000 mA", "contract")
            assertEq(r.emu.hardResets, 0, "re-requested before the source timed out")
            assertTrue(r.emu.vbus_V > 20.5, "VBUS " + r.emu.vbus_V)
        })

        t.test("a PPS contract nobody refreshes: the source hard-resets, then the sink negotiates again", async () => {
            const r = new Rig()
            r.emu.attach(laptopCharger65W())
            await r.run(2, lim(3000), t.pause)
            // The firmware stalls (no polls) past the timeout.
            for (let k = 0; k < (PPS_TIMEOUT_s + 1) / STEP_s; k++) r.emu.step(STEP_s, 0)
            assertEq(r.emu.hardResets, 1, "hard reset")
            await r.run(3, lim(3000), t.pause)
            assertEq(contractText(r), "pps 21000 mV 3000 mA", "back at PPS")
        })

        t.test("a charger that cannot hold its offer: the sink steps down, never without input for long", async () => {
            const r = new Rig()
            r.emu.attach(weakCharger())
            await r.run(20, lim(3000), t.pause)
            assertEq(contractText(r), "fixed 9000 mV 3000 mA", "20 V sagged (35 W real): 9 V 3 A holds")
            assertTrue(r.notes.some(n => n.indexOf("failed") >= 0), "said why: " + r.notes.join(" | "))
            assertTrue(r.longestGap_ms <= 1000, "longest time without a contract " + r.longestGap_ms + " ms")
        })

        t.test("a multi-port charger lowers its offer: renegotiated; raised again: back up", async () => {
            const r = new Rig()
            r.emu.attach(new MultiPortCharger(20, 40))
            await r.run(10, lim(5000), t.pause)
            // 5 A reaches the firmware as the chip's top current code, read as 4.75 A (its lower bound).
            assertEq(contractText(r), "pps 21000 mV 4750 mA", "alone: ~100 W, 5 A cable")
            await r.run(15, lim(5000), t.pause)
            assertEq(contractText(r), "fixed 20000 mV 3250 mA", "shared: 65 W")
            await r.run(20, lim(5000), t.pause)
            assertEq(contractText(r), "pps 21000 mV 4750 mA", "alone again")
        })

        t.test("a flaky source: detached on each drop-out, a fresh contract each time it is back", async () => {
            const r = new Rig()
            r.emu.attach(new FlakySource(10, 2))
            await r.run(7, lim(3000), t.pause)
            assertEq(contractText(r), "fixed 20000 mV 2250 mA", "first contract")
            await r.run(2, lim(3000), t.pause)
            assertEq(r.sink.state, "detached", "gone at 9 s")
            await r.run(2, lim(3000), t.pause)
            assertEq(contractText(r), "fixed 20000 mV 2250 mA", "again at 11 s")
        })

        t.test("the input window and the cable bound the choice; nothing fits, nothing asked", async () => {
            const r = new Rig()
            r.emu.attach(laptopCharger65W())
            await r.run(2, { inMin_mV: 10000, inMax_mV: 16000, cable_mA: 3000, want_mW: 100000, derate: 1 }, t.pause)
            assertEq(contractText(r), "pps 16000 mV 3000 mA", "16 V window")
            const s = new Rig()
            const five: PdSource = { name: "5 V only", offers: () => [fixedOffer(1, 5000, 2000)], present: () => true, vbus_V: (mV: number) => mV / 1000, real_W: () => 10 }
            s.emu.attach(five)
            await s.run(2, { inMin_mV: 6000, inMax_mV: 28000, cable_mA: 3000, want_mW: 100000, derate: 1 }, t.pause)
            assertEq(s.sink.state, "none", "attached, no usable offer")
        })
    })
}
