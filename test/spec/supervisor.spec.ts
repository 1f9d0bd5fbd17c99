// The supervisor with the production driver against the emulated board and the plant: boot, switching,
// metering against the plant's truth, validation, hardware and firmware trips, meter faults, settings,
// the watchdog and restarts. Shared: runs in the VM and in Node.
import { OVERLOAD_ms } from "../../src/core/channel"
import { oneOutputConfig } from "../../sim/board/test_boards"
import { Rig } from "../../sim/board/rig"
import { World } from "../../sim/board/world"
import { boardParamsFor } from "../../sim/board/board_params"
import { plantParamsFor, referencePack } from "../../sim/plant/plant_params"
import { MemoryStore } from "../../sim/board/memory_store"
import { referenceConfig } from "../../src/core/box_config"
import { limitKey } from "../../src/core/supervisor"
import { unwrapSetting } from "../../src/core/persist"
import { Spec, TestApi, assertEq, assertNear, assertTrue } from "../harness/api"

const ON = { kind: "channel.enable", channel: 0, on: true }
const OFF = { kind: "channel.enable", channel: 0, on: false }

/** A saved setting's value, as the firmware stores it (a complete record [value, 1]). */
function saved(rig: Rig, key: string): any {
    const t = rig.store.text[key]
    return t === undefined ? undefined : unwrapSetting(JSON.parse(t))
}

export const supervisorSpec: Spec = (t: TestApi) => {
    const pause = async () => {
        await t.pause()
    }

    async function rigWithLoad(ohms: number, rig?: Rig): Promise<Rig> {
        const r = rig ? rig : new Rig()
        r.world.plant.setLoad(0, { type: "resistive", ohms })
        await r.boot(3000, pause)
        return r
    }

    t.describe("supervisor", () => {
        t.test("boots with the output off and the enable line low, then toggles the heartbeat each tick", async () => {
            const rig = await rigWithLoad(12)
            assertEq(rig.last.channels[0].state, "off", "state after boot")
            assertEq(rig.world.board.enableLevel(0), false, "enable line after boot")
            await rig.advance(1000, pause)
            assertEq(rig.world.board.switchClosed(0), false, "switch with nobody asking")
            assertEq(rig.world.plant.outputs[0].current_A, 0, "plant current")
            assertEq(rig.ticks, 10, "ticks in 1 s at 100 ms")
            assertEq(rig.world.board.watchdogExpired, false, "watchdog fed")
        })

        t.test("switching on closes the switch and the reading matches the plant", async () => {
            const rig = await rigWithLoad(12)
            const r = rig.submit(ON)
            assertTrue(r.ok, "enable accepted: " + r.reason)
            await rig.advance(1000, pause)
            const c = rig.last.channels[0]
            const p = rig.world.plant.outputs[0]
            assertEq(c.state, "on", "state")
            assertTrue(rig.world.board.switchClosed(0), "switch closed")
            assertTrue(p.current_A > 1.2 && p.current_A < 1.4, "plant current about 1.33 A, got " + p.current_A)
            assertNear(c.current_mA, p.current_A * 1000, 2 + p.current_A * 1000 * 0.002, "current vs plant")
            assertNear(c.voltage_mV, p.meterVoltage_V * 1000, 2, "voltage vs plant")
            assertNear(c.power_mW, p.meterVoltage_V * p.current_A * 1000, 0.004 * p.meterVoltage_V * p.current_A * 1000 + 5, "power vs plant")
            assertTrue(c.fresh, "reading fresh")
        })

        t.test("metered energy over a minute is within 0.5 % of the plant's", async () => {
            // A steady load: a 100 ms plant step loses nothing and keeps the VM run short.
            const rig = await rigWithLoad(6, new Rig({ plantDt_ms: 100 }))
            rig.submit(ON)
            // The accumulator is read once per battery period: compare with the plant at the last reading.
            let counted = 0
            let truth_mWh = 0
            await rig.advance(60000, pause, s => {
                if (s.channels[0].energy_mWh === counted) return
                counted = s.channels[0].energy_mWh
                truth_mWh = rig.world.plant.outputs[0].meteredEnergy_J / 3.6
            })
            assertTrue(truth_mWh > 600, "enough energy to judge: " + truth_mWh)
            assertNear(counted, truth_mWh, truth_mWh * 0.005, "energy")
        })

        t.test("a limit above the hardware rating is refused with a reason and changes nothing", async () => {
            const rig = await rigWithLoad(12)
            const before = rig.last.channels[0].limit_mA
            const r = rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 99999 })
            assertEq(r.ok, false, "accepted?")
            assertTrue(r.reason.indexOf("rating") >= 0, "reason names the rating: " + r.reason)
            await rig.advance(300, pause)
            assertEq(rig.last.channels[0].limit_mA, before, "limit unchanged")
            assertEq(rig.eventsOf("rejected", 0).length, 1, "one rejection event")
            assertEq(rig.store.writesOf(limitKey(0)), 0, "limit not saved")
        })

        t.test("a load above the limit trips the output in hardware; the user can re-arm it", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(500, pause)
            // ~1.3 A against an 800 mA limit: past the hardware trip at 1.5 x the limit (1.2 A).
            const r = rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 800 })
            assertTrue(r.ok, "limit accepted: " + r.reason)
            await rig.advance(500, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "tripped", "state")
            assertTrue(c.reason.indexOf("ALERT") >= 0, "reason names the meter ALERT: " + c.reason)
            assertEq(rig.world.board.trips[0], 1, "board latch tripped once")
            assertEq(rig.world.plant.outputs[0].current_A, 0, "no current after the trip")
            assertEq(c.requested, false, "request cleared")
            // Raise the limit and switch on again.
            rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 3000 })
            rig.submit(ON)
            await rig.advance(500, pause)
            assertEq(rig.last.channels[0].state, "on", "on again")
            assertTrue(rig.world.plant.outputs[0].current_A > 1.2, "current flows again")
        })

        t.test("a trip taken while a limit change is being applied is still reported (the verify read keeps the flag)", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(300, pause)
            // The overload and a limit write land in the same tick: the limit's read-back of DIAG_ALRT sees the
            // latched over-current first.
            // ~4.9 A against a 3 A limit: past the hardware trip at 4.5 A.
            rig.world.plant.setLoad(0, { type: "resistive", ohms: 3 })
            const r = rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 3000 })
            assertTrue(r.ok, "limit accepted")
            await rig.advance(300, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "tripped", "state (" + c.reason + ")")
            assertTrue(c.reason.indexOf("meter ALERT") >= 0, "reason: " + c.reason)
        })

        t.test("without the hardware latch the meter's ALERT flag still makes the firmware open the switch", async () => {
            const cfg = oneOutputConfig()
            const bp = boardParamsFor(cfg)
            bp.tripLatchFitted = false
            const world = new World(plantParamsFor(cfg, referencePack(), 25), bp)
            const rig = await rigWithLoad(4, new Rig({ cfg, world }))
            rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2000 })
            rig.submit(ON)
            await rig.advance(1000, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "tripped", "state")
            assertTrue(c.reason.indexOf("ALERT") >= 0, "reason: " + c.reason)
            assertEq(rig.world.board.trips[0], 0, "no hardware trip (latch not fitted)")
            assertEq(rig.world.board.switchClosed(0), false, "switch opened by the firmware")
        })

        t.test("if the meter loses its limit, the firmware's own check trips after the debounce", async () => {
            const cfg = oneOutputConfig()
            const rig = await rigWithLoad(12, new Rig({ cfg }))
            rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2000 })
            rig.submit(ON)
            await rig.advance(300, pause)
            assertEq(rig.last.channels[0].state, "on", "on at 2 A limit with ~1.3 A load")
            // The meter's SOVL goes back to its reset value (e.g. a brown-out of the chip): no ALERT any more.
            await rig.world.board.bus.transfer(0x44, [0x0c, 0x7f, 0xff], 0)
            rig.world.plant.setLoad(0, { type: "resistive", ohms: 4 })
            let trippedAt = -1
            const from = rig.t_ms
            await rig.advance(OVERLOAD_ms + 600, pause, s => {
                if (trippedAt < 0 && s.channels[0].state === "tripped") trippedAt = rig.t_ms - from
            })
            const c = rig.last.channels[0]
            assertEq(c.state, "tripped", "state")
            assertTrue(c.reason.indexOf("(firmware)") >= 0 && c.reason.indexOf("retry in 2 s") >= 0, "reason: " + c.reason)
            assertEq(rig.world.board.trips[0], 0, "no hardware trip")
            // Inrush is allowed for OVERLOAD_ms; the reading that crosses it trips (one tick of reading lag).
            assertTrue(trippedAt >= OVERLOAD_ms && trippedAt <= OVERLOAD_ms + 3 * cfg.tick_ms, "trip after the debounce, at +" + trippedAt + " ms")
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
            // An overload is retried by itself while the user still wants the output: after 2 s, then 4 s.
            await rig.advance(2300, pause)
            assertTrue(rig.eventsOf("state", 0).some(e => e.state === "starting" && e.message.indexOf("automatic retry 1") >= 0), "retried after 2 s")
        })

        t.test("a meter whose trip limit changed behind the firmware is caught by the read-back and reconfigured", async () => {
            const rig = await rigWithLoad(12)
            rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2000 })
            rig.submit(ON)
            await rig.advance(500, pause)
            assertEq(rig.last.channels[0].state, "on", "on")
            // A glitch rewrites SOVL to its reset value: the hardware trip is gone.
            await rig.world.board.bus.transfer(0x44, [0x0c, 0x7f, 0xff], 0)
            await rig.advance(5500, pause)
            const faults = rig.eventsOf("state", 0).filter(e => e.state === "fault")
            assertEq(faults.length, 1, "one fault event")
            assertTrue(faults[0].message.indexOf("SOVL") >= 0, "names the register: " + faults[0].message)
            assertEq(rig.world.board.switchClosed(0), false, "switch opened")
            await rig.advance(1000, pause)
            assertEq(rig.last.channels[0].state, "off", "reconfigured, back to off")
            assertTrue(rig.submit(ON).ok, "can be switched on again")
            await rig.advance(300, pause)
            // ~3.7 A: past the hardware trip at 1.5 x the 2 A limit.
            rig.world.plant.setLoad(0, { type: "resistive", ohms: 4 })
            await rig.advance(300, pause)
            assertEq(rig.last.channels[0].state, "tripped", "the hardware trip works again at 3 A")
        })

        t.test("a missing meter puts the channel in fault, refuses switching on, and recovers", async () => {
            const rig = new Rig()
            let present = false
            rig.world.board.bus.faultHook = (addr: number) => (!present && addr === 0x44 ? "NACK from 0x44" : "")
            await rigWithLoad(12, rig)
            const c = rig.last.channels[0]
            assertEq(c.state, "fault", "state")
            assertTrue(c.reason.indexOf("0x44") >= 0, "reason names the address: " + c.reason)
            const r = rig.submit(ON)
            assertEq(r.ok, false, "enable refused")
            assertTrue(r.reason.indexOf("fault") >= 0, "reason: " + r.reason)
            present = true
            await rig.advance(rig.cfg.meterRetry_ms + 500, pause)
            assertEq(rig.last.channels[0].state, "off", "recovered to off (not on by itself)")
            assertEq(rig.world.board.switchClosed(0), false, "switch still open")
        })

        t.test("an I2C error storm while on ends in fault with the output off", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(500, pause)
            assertEq(rig.last.channels[0].state, "on", "on first")
            rig.world.board.bus.faultHook = () => "bus stuck"
            await rig.advance(rig.cfg.tick_ms * (rig.cfg.meterFailLimit + 1), pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "fault", "state")
            assertEq(c.fresh, false, "reading marked stale")
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
        })

        t.test("a single failed read keeps the output on and marks the reading stale", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(500, pause)
            let fail = 1
            rig.world.board.bus.faultHook = () => (fail-- > 0 ? "glitch" : "")
            await rig.advance(100, pause)
            assertEq(rig.last.channels[0].state, "on", "still on")
            assertEq(rig.last.channels[0].fresh, false, "stale after the glitch")
            await rig.advance(100, pause)
            assertEq(rig.last.channels[0].fresh, true, "fresh again")
        })

        t.test("a changed limit is saved at once and restored after a restart", async () => {
            const rig = await rigWithLoad(12)
            rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2500 })
            await rig.advance(100, pause)
            assertEq(saved(rig, limitKey(0)), 2500, "saved by the next tick")
            // Firmware restart: same board, plant and flash; a new supervisor.
            const again = new Rig({ world: rig.world, store: rig.store })
            await again.start()
            assertEq(again.last.channels[0].limit_mA, 2500, "restored limit")
            assertEq(again.last.channels[0].state, "off", "outputs off after a restart")
        })

        t.test("a limit changed again and again is throttled, and the newest value still lands", async () => {
            const rig = await rigWithLoad(12, new Rig({ plantDt_ms: 100 }))
            const burst = rig.cfg.settingsWriteBurst
            for (let i = 0; i < burst + 3; i++) {
                rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 1000 + i })
                await rig.advance(100, pause)
            }
            assertEq(rig.store.writesOf(limitKey(0)), burst, "writes within the burst budget")
            assertEq(rig.last.channels[0].limit_mA, 1000 + burst + 2, "the newest limit is in force")
            await rig.advance(rig.cfg.settingsWriteRefill_ms, pause)
            assertEq(rig.store.writesOf(limitKey(0)), burst + 1, "one more write once the budget refilled")
            assertEq(saved(rig, limitKey(0)), 1000 + burst + 2, "the newest value was written")
        })

        t.test("a corrupt or out-of-range saved limit falls back to the default and says so", async () => {
            const store = new MemoryStore()
            store.text[limitKey(0)] = "123456"
            const rig = await rigWithLoad(12, new Rig({ store }))
            const def = rig.cfg.channels[0].defaultLimit_mA
            assertEq(rig.last.channels[0].limit_mA, def, "default limit")
            const notes = rig.eventsOf("setting", 0)
            assertEq(notes.length, 1, "one setting event")
            assertTrue(notes[0].message.indexOf("123456") >= 0, "event shows the bad value: " + notes[0].message)
            const store2 = new MemoryStore()
            store2.text[limitKey(0)] = "{not json"
            const rig2 = await rigWithLoad(12, new Rig({ store: store2 }))
            assertEq(rig2.last.channels[0].limit_mA, def, "default limit for unparsable text")
        })

        t.test("a stalled firmware stops the heartbeat and the watchdog drops the output", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(500, pause)
            assertTrue(rig.world.board.switchClosed(0), "on before the stall")
            rig.firmwareRunning = false
            await rig.advance(1000, pause)
            assertTrue(rig.world.board.switchClosed(0), "still on within the watchdog timeout")
            await rig.advance(1000, pause)
            assertTrue(rig.world.board.watchdogExpired, "watchdog expired")
            assertEq(rig.world.board.switchClosed(0), false, "switch dropped by the watchdog")
            assertEq(rig.world.plant.outputs[0].current_A, 0, "no current")
        })

        t.test("a firmware restart keeps the energy count (the meter's accumulator is not reset)", async () => {
            const rig = await rigWithLoad(6, new Rig({ plantDt_ms: 100 }))
            rig.submit(ON)
            await rig.advance(20000, pause)
            const before = rig.last.channels[0].energy_mWh
            assertTrue(before > 200, "energy counted: " + before)
            const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 100 })
            await again.start()
            assertTrue(again.last.channels[0].energy_mWh === 0 || again.last.channels[0].energy_mWh >= before, "no reading yet or at least the old count")
            await again.advance(200, pause)
            assertTrue(again.last.channels[0].energy_mWh >= before, "energy after restart " + again.last.channels[0].energy_mWh + " >= " + before)
        })

        t.test("switching off opens the switch and says who did it", async () => {
            const rig = await rigWithLoad(12)
            rig.submit(ON)
            await rig.advance(300, pause)
            rig.submit(OFF)
            await rig.advance(300, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "off", "state")
            assertTrue(c.reason.indexOf("user") >= 0, "reason: " + c.reason)
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
            const states = rig.eventsOf("state", 0).map(e => e.state).join(",")
            assertEq(states, "off,starting,on,off", "state events")
        })
    })
}
