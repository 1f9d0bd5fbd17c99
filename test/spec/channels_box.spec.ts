// Node spec (box group): the channel features through the whole box on the emulated board and plant: the
// user's settings surviving restarts, load shedding by charge and priority, the daily quota, and the
// lifetime energy count across a meter restart.
import { Rig } from "../../sim/board/rig"
import { MemoryStore } from "../../sim/board/memory_store"
import { referencePack } from "../../sim/plant/plant_params"
import { energyKey, prefsKey } from "../../src/core/supervisor"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

const ON = { kind: "channel.enable", channel: 0, on: true }

export const channelsBoxSpec: Spec = (t: TestApi) => {
    const pause = async () => {
        await t.pause()
    }
    async function booted(rig: Rig, ohms: number): Promise<Rig> {
        rig.world.plant.setLoad(0, { type: "resistive", ohms })
        await rig.boot()
        return rig
    }

    t.describe("channels through the box", () => {
        t.test("name, priority and quota are saved and restored after a restart; a corrupt record says so", async () => {
            const rig = await booted(new Rig(), 12)
            for (const c of [
                { kind: "channel.name", channel: 0, name: "Fridge" },
                { kind: "channel.priority", channel: 0, priority: "critical" },
                { kind: "channel.quota", channel: 0, quota_Wh: 300 },
            ])
                assertTrue(rig.submit(c).ok, "accepted " + c.kind)
            await rig.advance(300, pause)
            const s = rig.last.channels[0]
            assertEq(s.name + "/" + s.priority + "/" + s.quota_Wh, "Fridge/critical/300", "applied")
            const again = await booted(new Rig({ world: rig.world, store: rig.store }), 12)
            const a = again.last.channels[0]
            assertEq(a.name + "/" + a.priority + "/" + a.quota_Wh, "Fridge/critical/300", "restored")
            assertEq(again.eventsOf("setting").length, 0, "no complaints")
            const store = new MemoryStore()
            store.text[prefsKey(0)] = JSON.stringify([["a name far too long for any label", "vip", -5], 1])
            const bad = await booted(new Rig({ store }), 12)
            const b = bad.last.channels[0]
            assertEq(b.name + "/" + b.priority + "/" + b.quota_Wh, "DC barrel/normal/0", "defaults")
            assertEq(bad.eventsOf("setting", 0).length, 3, "one note per refused field")
        })

        t.test("a sheddable output goes off at low charge with the reason; a critical one stays on", async () => {
            const pack = referencePack()
            pack.initialSoc = 0.2
            const rig = await booted(new Rig({ pack }), 12)
            rig.submit({ kind: "channel.priority", channel: 0, priority: "critical" })
            rig.submit(ON)
            await rig.advance(3000, pause)
            assertEq(rig.last.channels[0].state, "on", "critical stays on at 20 %")
            rig.submit({ kind: "channel.priority", channel: 0, priority: "sheddable" })
            await rig.advance(1500, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "shed", "shed below 30 %")
            assertTrue(c.reason.indexOf("below 30 %") >= 0 && c.reason.indexOf("back at 35 %") >= 0, "reason: " + c.reason)
            assertEq(c.requested, true, "the user's wish is kept (it comes back with the charge)")
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
            const r = rig.submit(ON)
            assertEq(r.ok, false, "switching on refused while shed")
            assertTrue(r.reason.indexOf("shed") >= 0, "reason: " + r.reason)
            // Made critical again: load management lets go and the output comes back by itself.
            rig.submit({ kind: "channel.priority", channel: 0, priority: "critical" })
            await rig.advance(1500, pause)
            assertTrue(rig.last.channels[0].state === "on" || rig.last.channels[0].state === "starting", "back on: " + rig.last.channels[0].state)
            assertTrue(rig.world.board.switchClosed(0), "switch closed again")
        })

        t.test("a used daily quota stops the output with a clear state", async () => {
            const rig = await booted(new Rig({ plantDt_ms: 100 }), 6)
            rig.submit({ kind: "channel.quota", channel: 0, quota_Wh: 1 })
            rig.submit(ON)
            // ~40 W (a 4S pack at 80 % into 6 ohm): 1 Wh in about 90 s.
            await rig.advance(60000, pause)
            assertEq(rig.last.channels[0].state, "on", "on before the quota is used")
            await rig.advance(60000, pause)
            const c = rig.last.channels[0]
            assertEq(c.state, "quota", "quota state")
            assertTrue(c.reason.indexOf("daily quota of 1 Wh used") >= 0, "reason: " + c.reason)
            assertTrue(c.today_mWh >= 1000 && c.today_mWh < 1100, "today " + c.today_mWh + " mWh")
            assertEq(rig.world.board.switchClosed(0), false, "switch open")
            assertEq(rig.submit(ON).ok, false, "refused while the quota is used")
            // Raising the quota lets it run again.
            rig.submit({ kind: "channel.quota", channel: 0, quota_Wh: 5 })
            await rig.advance(1500, pause)
            assertTrue(rig.world.board.switchClosed(0), "back on with a larger quota")
        })

        t.test("lifetime energy survives a meter restart (power loss) and a firmware restart, never decreasing", async () => {
            const rig = await booted(new Rig({ plantDt_ms: 100 }), 6)
            rig.submit(ON)
            await rig.advance(150000, pause)
            const before = rig.last.channels[0].energy_mWh
            assertTrue(before > 1000, "more than one save's worth counted: " + before)
            assertTrue(rig.store.text[energyKey(0)] !== undefined, "energy record saved")
            // The meter loses its accumulator (RSTACC, as after a power loss of the chip).
            const cfgReg = await rig.world.board.bus.transfer(0x44, [0x00], 2)
            await rig.world.board.bus.transfer(0x44, [0x00, cfgReg[0] | 0x40, cfgReg[1]], 0)
            let lowest = before
            await rig.advance(3000, pause, s => {
                if (s.channels[0].energy_mWh < lowest) lowest = s.channels[0].energy_mWh
            })
            assertEq(lowest, before, "never below the count before the meter restart")
            assertTrue(rig.last.channels[0].energy_mWh > before, "still counting")
            const mid = rig.last.channels[0].energy_mWh
            const again = await booted(new Rig({ world: rig.world, store: rig.store, plantDt_ms: 100 }), 6)
            await again.advance(500, pause)
            assertTrue(again.last.channels[0].energy_mWh >= mid, "after a firmware restart " + again.last.channels[0].energy_mWh + " >= " + mid)
        })
    })
}
