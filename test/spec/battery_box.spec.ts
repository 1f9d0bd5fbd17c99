// The battery side of the whole box: pack configuration through the command path, the AFE missing,
// what was learned surviving a restart, and corrupt saved records. Production supervisor and drivers on
// the emulated board, driven by the plant (Node only, like the rest of the box group).
import { Rig } from "../../sim/board/rig"
import { MemoryStore } from "../../sim/board/memory_store"
import { KEY_PACK } from "../../src/core/battery/monitor"
import { KEY_CAPACITY, KEY_COUNTERS, KEY_SOC } from "../../src/core/battery/battery_store"
import { learnedState } from "../../src/core/battery/estimator"
import { toFixed } from "../../src/core/fmt"
import { unwrapSetting } from "../../src/core/persist"
import { Spec, TestApi, assertEq, assertNear, assertTrue } from "../harness/api"

const ON = { kind: "channel.enable", channel: 0, on: true }
const OFF = { kind: "channel.enable", channel: 0, on: false }
const LFP_4S = { chemistry: "LFP", series: 4, parallel: 2, cellCapacity_mAh: 3000 }

export const batteryBoxSpec: Spec = (t: TestApi) => {
    const pause = async () => {
        await t.pause()
    }

    async function started(o: { store?: MemoryStore; ohms?: number } = {}): Promise<Rig> {
        const rig = new Rig({ plantDt_ms: 100, store: o.store })
        rig.world.plant.setLoad(0, { type: "resistive", ohms: o.ohms !== undefined ? o.ohms : 6 })
        await rig.boot(3000, pause)
        return rig
    }

    t.describe("battery in the box", () => {
        t.test("a 7S LFP pack on the 2S-6S board is refused with a reason and changes nothing", async () => {
            const rig = await started()
            await rig.advance(2000, pause)
            const r = rig.submit({ kind: "pack.config", pack: { chemistry: "LFP", series: 7, parallel: 1, cellCapacity_mAh: 3000 } })
            assertEq(r.ok, false, "refused")
            assertTrue(r.reason.indexOf("7S") >= 0 && r.reason.indexOf("2S-6S") >= 0, "reason names the range: " + r.reason)
            await rig.advance(1000, pause)
            const b = rig.last.battery
            assertEq(b.chemistry + " " + b.series + "S", "NMC 4S", "pack unchanged")
            assertEq(rig.store.text[KEY_PACK], undefined, "nothing saved")
            assertEq(rig.eventsOf("rejected").length, 1, "one rejected event")
        })

        t.test("a pack change is refused while an output is on, even when queued in the same tick", async () => {
            const rig = await started()
            rig.submit(ON)
            await rig.advance(500, pause)
            const r = rig.submit({ kind: "pack.config", pack: LFP_4S })
            assertEq(r.ok, false, "refused while on")
            assertTrue(r.reason.indexOf("output") >= 0, "reason: " + r.reason)
            rig.submit(OFF)
            await rig.advance(500, pause)
            // Both accepted at submit time; the enable lands first, so the pack change must be refused at apply.
            const a = rig.submit(ON)
            const b = rig.submit({ kind: "pack.config", pack: LFP_4S })
            assertTrue(a.ok && b.ok, "both pass the validator")
            await rig.advance(1000, pause)
            assertEq(rig.last.channels[0].state, "on", "the output came on")
            assertEq(rig.last.battery.chemistry, "NMC", "the pack did not change under a live output")
            assertEq(rig.store.text[KEY_PACK], undefined, "nothing saved")
        })

        t.test("an accepted pack change forgets what was learned, is saved, and is back after a restart", async () => {
            const rig = await started()
            await rig.advance(3000, pause)
            assertTrue(rig.store.text[KEY_SOC] !== undefined, "a SOC was saved for the old pack")
            const r = rig.submit({ kind: "pack.config", pack: LFP_4S })
            assertTrue(r.ok, "accepted: " + r.reason)
            await rig.advance(2000, pause)
            const b = rig.last.battery
            assertEq(b.chemistry + " " + b.series + "S" + b.parallel + "P", "LFP 4S2P", "new pack in the snapshot")
            assertEq(b.capacity_mAh, 6000, "capacity from the new label")
            assertEq(b.health_pm, 0, "health unknown until measured")
            assertEq(unwrapSetting(JSON.parse(rig.store.text[KEY_PACK])).chemistry, "LFP", "pack saved")
            assertTrue(rig.eventsOf("battery").some(e => e.message.indexOf("LFP") >= 0), "an event says so")
            const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 100 })
            await again.start()
            await again.advance(2000, pause)
            assertEq(again.last.battery.chemistry, "LFP", "restored after a restart")
            assertEq(again.eventsOf("setting").length, 0, "no complaint about the saved records")
        })

        t.test("a missing AFE is a battery fault and holds every output off until it answers", async () => {
            const rig = new Rig({ plantDt_ms: 100 })
            const afe = rig.cfg.battery.afeAddress
            let present = false
            rig.world.board.bus.faultHook = (addr: number) => (!present && addr === afe ? "NACK" : "")
            rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
            await rig.start()
            await rig.advance(5000, pause)
            assertEq(rig.last.battery.status, "fault", "battery status")
            assertTrue(rig.last.battery.reason.indexOf("AFE") >= 0, "reason: " + rig.last.battery.reason)
            assertTrue(rig.last.faults.some(f => f.indexOf("battery") === 0), "listed among the box's faults")
            // Blind to the cells, the box does not power anything (the hardware plan: only reporting runs).
            const r = rig.submit(ON)
            assertEq(r.ok, false, "switching on refused")
            assertTrue(r.reason.indexOf("self-check") >= 0 || r.reason.indexOf("protection") >= 0, "reason: " + r.reason)
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
            present = true
            await rig.advance(8000, pause)
            assertTrue(rig.last.battery.status !== "fault", "battery back: " + rig.last.battery.status + " " + rig.last.battery.reason)
            assertTrue(rig.last.battery.voltage_mV > 12000, "pack voltage read: " + rig.last.battery.voltage_mV)
            assertEq(rig.last.channels[0].state, "off", "the output stays off by itself")
            assertTrue(rig.submit(ON).ok, "and can be switched on once the pack is visible")
            await rig.advance(500, pause)
            assertEq(rig.last.channels[0].state, "on", "on")
            assertNear(rig.last.channels[0].current_mA, rig.world.plant.outputs[0].current_A * 1000, 10, "metered")
        })

        t.test("state of charge, counters and calibration survive a restart without a word", async () => {
            const rig = await started({ ohms: 4.5 })
            rig.submit(ON)
            await rig.advance(240000, pause)
            assertEq(rig.last.channels[0].state, "on", "a 3.5 A load within the limit")
            const before = rig.last.battery
            const beforeLearned = learnedState(rig.sup.battery.est)
            assertTrue(before.energyOut_Wh >= 2, "energy counted: " + before.energyOut_Wh + " Wh")
            const savedCnt = unwrapSetting(JSON.parse(rig.store.text[KEY_COUNTERS]))
            assertTrue(savedCnt !== undefined && savedCnt !== null, "counters saved while discharging")
            // A restart (the same as a power loss: DeviceScript cannot announce it) at an arbitrary moment.
            const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 100 })
            await again.start()
            await again.advance(2000, pause)
            const after = again.last.battery
            assertEq(again.eventsOf("setting").length, 0, "no complaint about the saved records")
            // Exact counts (the snapshot rounds to whole Wh): at most 1 % of the pack's energy may be lost.
            const packWh = 8 * 3.7 * 4
            const outBefore = beforeLearned.energyOut_Wh
            const outAfter = learnedState(again.sup.battery.est).energyOut_Wh
            assertTrue(outAfter >= outBefore - 0.01 * packWh, "energy out " + toFixed(outBefore, 3) + " -> " + toFixed(outAfter, 3) + " Wh")
            assertTrue(after.cycles_c >= before.cycles_c - 1, "cycles " + before.cycles_c + " -> " + after.cycles_c)
            assertNear(after.soc_pm, before.soc_pm, 15, "SOC carried over (per mille)")
            assertTrue(after.socLow_pm <= after.soc_pm && after.soc_pm <= after.socHigh_pm, "with its band")
        })

        t.test("a corrupt saved capacity falls back to the label and says so; the rest is kept", async () => {
            const rig = await started()
            await rig.advance(3000, pause)
            const store = rig.store
            // Both copies damaged (a torn write of one alone is recovered from the other).
            store.text[KEY_CAPACITY] = "{\"v\":1,\"c\":[\"lots\"]}"
            store.text[KEY_CAPACITY + "~"] = "[{\"v\":1,\"c\":[\"lots\"]},1]"
            const again = new Rig({ world: rig.world, store, plantDt_ms: 100 })
            await again.start()
            await again.advance(2000, pause)
            const notes = again.eventsOf("setting")
            assertEq(notes.length, 1, "one setting event: " + notes.map(n => n.message).join(" | "))
            assertTrue(notes[0].message.indexOf(KEY_CAPACITY) >= 0, "names the record: " + notes[0].message)
            assertNear(again.last.battery.capacity_mAh, 8000, 80, "capacity back to the label (the usable window of label-sized groups)")
            assertEq(again.last.battery.health_pm, 0, "health unknown")
            assertTrue(notes.every(n => n.message.indexOf("bat.soc") < 0 && n.message.indexOf("bat.cnt") < 0), "SOC and counters kept")
            assertNear(learnedState(again.sup.battery.est).energyOut_Wh, learnedState(rig.sup.battery.est).energyOut_Wh, 0.01, "counters carried over")
        })

        t.test("a latched fault (a welded output switch) survives a restart and only a person clears it", async () => {
            const rig = await started({ ohms: 12 })
            rig.submit(ON)
            await rig.advance(500, pause)
            rig.world.board.stuckClosed[0] = true
            rig.submit(OFF)
            await rig.advance(1500, pause)
            const afe = rig.world.board.afe
            assertEq(rig.sup.protector.latchedIds().join(","), "ch0.switch.stuck", "latched")
            assertEq(afe.dsgOn(), false, "the DSG FET opened: the only way to stop a welded switch")
            assertTrue(Math.abs(rig.world.plant.outputs[0].current_A) < 0.01, "no current")
            // A restart (or a power cycle) does not clear it.
            const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 100 })
            await again.boot(3000, pause)
            assertEq(again.sup.protector.latchedIds().join(","), "ch0.switch.stuck", "still latched after a restart")
            const r = again.submit(ON)
            assertEq(r.ok, false, "switching on refused")
            assertTrue(r.reason.indexOf("fault.clear") >= 0, "the reason says how to clear it: " + r.reason)
            // Cleared while the switch is still welded (nothing flows with DSG open, so the cause looks gone once
            // that has held for the release hold): it trips again as soon as current flows.
            const early = again.submit({ kind: "fault.clear" })
            assertEq(early.ok, false, "refused until the cause has been gone for the hold: " + early.reason)
            await again.advance(2500, pause)
            assertTrue(again.submit({ kind: "fault.clear" }).ok, "clear accepted")
            await again.advance(2000, pause)
            assertEq(again.sup.protector.latchedIds().join(","), "ch0.switch.stuck", "tripped again")
            // Repaired: cleared for good.
            rig.world.board.stuckClosed[0] = false
            await again.advance(3000, pause)
            assertTrue(again.submit({ kind: "fault.clear" }).ok, "clear accepted")
            await again.advance(1000, pause)
            assertEq(again.sup.protector.latchedIds().length, 0, "nothing latched")
            assertTrue(afe.dsgOn(), "DSG closed again")
            assertEq(again.last.channels[0].state, "off", "the output stays off by itself")
            assertTrue(again.submit(ON).ok, "and can be switched on")
        })

        t.test("a corrupt saved pack configuration falls back to the default and says so", async () => {
            const store = new MemoryStore()
            store.text[KEY_PACK] = JSON.stringify({ chemistry: "LFP", series: 9, parallel: 1, cellCapacity_mAh: 3000 })
            const rig = await started({ store })
            const notes = rig.eventsOf("setting")
            assertEq(notes.length, 1, "one setting event")
            assertTrue(notes[0].message.indexOf("9S") >= 0, "says what is wrong: " + notes[0].message)
            assertEq(rig.last.battery.chemistry + " " + rig.last.battery.series + "S", "NMC 4S", "default pack")
        })
    })
}
