// Node spec (box group): the reference box's six outputs on the emulated board and plant: regulated
// stages, the USB-C converter's limit, the eFuse's own trip, devices within rating, throttling.
import { Rig } from "../../sim/board/rig"
import { DEVICES } from "../../sim/plant/load"
import { referencePack } from "../../sim/plant/plant_params"
import { referenceConfig } from "../../src/core/box_config"
import { Spec, TestApi, assertEq, assertNear, assertTrue } from "../harness/api"

const USB_A1 = 0
const USB_C1 = 2
const USB_C2 = 3
const BARREL = 4
const ANDERSON = 5

export const outputsBoxSpec: Spec = (t: TestApi) => {
    const pause = async () => {
        await t.pause()
    }
    async function box(plantDt_ms = 10, soc = 0.8): Promise<Rig> {
        const pack = referencePack()
        pack.initialSoc = soc
        const rig = new Rig({ cfg: referenceConfig(), plantDt_ms, pack })
        await rig.boot()
        return rig
    }
    function on(rig: Rig, ch: number): void {
        const r = rig.submit({ kind: "channel.enable", channel: ch, on: true })
        assertTrue(r.ok, "switch on " + ch + ": " + r.reason)
    }

    t.describe("reference box outputs", () => {
        t.test("regulated stages: USB-A at 5 V, USB-C at the PD voltage, DC at 12 V; meters match the plant", async () => {
            const rig = await box()
            rig.world.plant.setLoad(USB_A1, DEVICES.phone_pd_9V)
            rig.world.plant.setLoad(USB_C1, DEVICES.laptop_pd_20V)
            rig.world.plant.setLoad(ANDERSON, DEVICES.fridge_12V)
            for (const ch of [USB_A1, USB_C1, ANDERSON]) on(rig, ch)
            assertTrue(rig.submit({ kind: "channel.voltage", channel: USB_C1, voltage_mV: 20000 }).ok, "20 V accepted")
            await rig.advance(3000, pause)
            const want = [[USB_A1, 5000], [USB_C1, 20000], [ANDERSON, 12000]]
            for (const [ch, mV] of want) {
                const c = rig.last.channels[ch]
                const o = rig.world.plant.outputs[ch]
                assertEq(c.state, "on", "ch" + ch + " state (" + c.reason + ")")
                assertNear(c.voltage_mV, mV, mV * 0.03, "ch" + ch + " voltage")
                assertNear(c.current_mA, o.current_A * 1000, 0.005 * o.current_A * 1000 + 5, "ch" + ch + " meter vs plant")
            }
            // A phone on USB-A may take 2.4 A at 5 V (no PD there): it takes 97 % of that.
            assertNear(rig.last.channels[USB_A1].current_mA, 2328, 30, "phone on USB-A")
            // The pack gives more than the 5 V and 12 V sides' currents but less than their power over the pack voltage / 0.85.
            const p = rig.world.plant
            let out_W = 0
            for (const o of p.outputs) out_W += o.meterVoltage_V * o.current_A
            assertTrue(p.packCurrent_A * p.bus_V > out_W && p.packCurrent_A * p.bus_V < out_W / 0.85 + 1, "pack power covers the outputs and the stages' losses")
            assertEq(rig.last.faults.length, 0, "no faults: " + rig.last.faults.join("; "))
        })

        t.test("the USB-C converter holds a lowered limit (limiting), within 5 %, and lets go when the load falls", async () => {
            const rig = await box()
            // A 5 ohm heater on a 20 V contract wants 4 A; held at 2 A its voltage stays inside the window.
            rig.world.plant.setLoad(USB_C2, { type: "resistive", ohms: 5 })
            rig.submit({ kind: "channel.voltage", channel: USB_C2, voltage_mV: 20000 })
            rig.submit({ kind: "channel.limit", channel: USB_C2, limit_mA: 2000 })
            on(rig, USB_C2)
            await rig.advance(2000, pause)
            const c = rig.last.channels[USB_C2]
            assertEq(c.state, "limiting", "state (" + c.reason + ")")
            assertNear(rig.world.plant.outputs[USB_C2].current_A * 1000, 2000, 100, "held at the limit")
            assertTrue(c.voltage_mV < 11000, "its voltage fell: " + c.voltage_mV)
            rig.world.plant.setLoad(USB_C2, { type: "resistive", ohms: 20 })
            await rig.advance(1000, pause)
            assertEq(rig.last.channels[USB_C2].state, "on", "back to on")
            // Back at 5 V, a hot plate held at 2 A sits at ~3.4 V, under the window: an overload, retried.
            rig.submit({ kind: "channel.voltage", channel: USB_C2, voltage_mV: 5000 })
            rig.world.plant.setLoad(USB_C2, DEVICES.hot_plate)
            await rig.advance(1000, pause)
            const o = rig.last.channels[USB_C2]
            assertEq(o.state, "tripped", "overload trip (" + o.reason + ")")
            assertTrue(o.reason.indexOf("retry in 2 s") > 0 && o.requested, "retried: " + o.reason)
            // At 20 V the same plate pulls the output under half its set voltage: a hard trip, latched.
            rig.submit({ kind: "channel.voltage", channel: USB_C2, voltage_mV: 20000 })
            await rig.advance(3000, pause)
            const h = rig.last.channels[USB_C2]
            assertEq(h.state, "tripped", "hard trip (" + h.reason + ")")
            assertTrue(h.reason.indexOf("collapsed") > 0 && !h.requested, "latched: " + h.reason)
        })

        t.test("a short on a DC output: the eFuse cuts it within a plant step; the firmware latches the trip", async () => {
            const rig = await box(0.1)
            rig.world.plant.setLoad(BARREL, { type: "resistive", ohms: 6 })
            on(rig, BARREL)
            await rig.advance(500, pause)
            assertEq(rig.last.channels[BARREL].state, "on", "on first")
            rig.world.plant.setLoad(BARREL, DEVICES.short_circuit)
            await rig.advance(1, pause)
            assertEq(rig.world.plant.outputs[BARREL].current_A, 0, "no current 1 ms after the short")
            await rig.advance(400, pause)
            const c = rig.last.channels[BARREL]
            assertEq(c.state, "tripped", "tripped (" + c.reason + ")")
            assertTrue(c.reason.indexOf("short circuit") >= 0, "reason says short: " + c.reason)
            assertEq(c.requested, false, "latched: the user switches on again")
            await rig.advance(5000, pause)
            assertEq(rig.last.channels[BARREL].state, "tripped", "no automatic retry after a short")
        })

        t.test("a fridge's compressor starts and a heater's glow plug pass without a trip (inrush within rating)", async () => {
            const rig = await box(10)
            rig.world.plant.setLoad(ANDERSON, DEVICES.fridge_12V)
            rig.world.plant.setLoad(BARREL, DEVICES.soldering_iron_12V)
            on(rig, ANDERSON)
            on(rig, BARREL)
            // Two compressor starts (every 6 min) and several iron bursts.
            await rig.advance(400000, pause)
            const trips = rig.eventsOf("state").filter(e => e.state === "tripped")
            assertEq(trips.length, 0, "no trips: " + trips.map(e => e.message).join("; "))
            assertEq(rig.last.channels[ANDERSON].state, "on", "fridge on")
        })

        t.test("a throttleable computer on USB-C gets half its limit below 40 % charge and takes less", async () => {
            const rig = await box(10, 0.38)
            rig.world.plant.setLoad(USB_C1, DEVICES.computer_pd_9V)
            rig.submit({ kind: "channel.priority", channel: USB_C1, priority: "throttleable" })
            rig.submit({ kind: "channel.voltage", channel: USB_C1, voltage_mV: 9000 })
            rig.submit({ kind: "channel.limit", channel: USB_C1, limit_mA: 2000 })
            on(rig, USB_C1)
            await rig.advance(3000, pause)
            const c = rig.last.channels[USB_C1]
            assertEq(c.effectiveLimit_mA, 1000, "throttled limit")
            assertEq(c.state, "on", "still on (" + c.reason + ")")
            assertTrue(c.current_mA < 1000 && c.current_mA > 900, "the sink follows the advertised current: " + c.current_mA + " mA")
            assertTrue(rig.eventsOf("load", USB_C1).some(e => e.message.indexOf("throttled to 1000 mA") === 0), "said so")
        })
    })
}
