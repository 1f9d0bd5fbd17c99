// Shared spec (VM + Node): the channels' energy book (lifetime count, restarts, wraps, daily quota), load
// management's thresholds, and the channel setting commands. Expected numbers are worked out by hand.
import { DAY_ms, EnergyBook, SAVE_J, energyRestore, energySave, energyUpdate } from "../../src/core/channel_energy"
import { THROTTLE_FRACTION, loadAction, shedBand_pm } from "../../src/core/load_policy"
import { validateCommand } from "../../src/core/commands"
import { referenceConfig } from "../../src/core/box_config"
import { Spec, TestApi, assertEq, assertNear, assertTrue } from "../harness/api"

export const channelPolicySpec: Spec = (t: TestApi) => {
    t.describe("energy book", () => {
        t.test("counts the accumulator's growth; a new box starts from the meter's count", async () => {
            const b = new EnergyBook()
            energyUpdate(b, 100, false, 1e9, 0)
            assertEq(b.life_J, 100, "first reading, nothing saved: the meter's count so far")
            energyUpdate(b, 250, false, 1e9, 100)
            assertEq(b.life_J, 250, "growth added")
            energyUpdate(b, NaN, false, 1e9, 200)
            assertEq(b.life_J, 250, "a stale reading changes nothing")
        })

        t.test("after an MCU restart (the meter kept counting) nothing is lost or counted twice", async () => {
            const b = new EnergyBook()
            energyUpdate(b, 5000, false, 1e9, 0)
            const rec = energySave(b)
            energyUpdate(b, 5600, false, 1e9, 100) // counted after the save, before the restart
            const again = new EnergyBook()
            assertTrue(energyRestore(again, rec), "record accepted")
            energyUpdate(again, 5700, false, 1e9, 0) // the meter still counting
            assertEq(again.life_J, 5700, "saved 5000 + 700 since the save")
        })

        t.test("after a power loss (the meter restarted from zero) the count never decreases", async () => {
            const b = new EnergyBook()
            energyUpdate(b, 8000, false, 1e9, 0)
            const rec = energySave(b)
            const again = new EnergyBook()
            energyRestore(again, rec)
            energyUpdate(again, 30, false, 1e9, 0)
            assertEq(again.life_J, 8030, "saved figure plus what the restarted meter counted")
            energyUpdate(again, 10, false, 1e9, 100) // the meter restarted again (brown-out)
            assertEq(again.life_J, 8040, "a smaller accumulator is a restart: its count is added")
        })

        t.test("an accumulator wrap (overflow flag) adds the register's span", async () => {
            const b = new EnergyBook()
            energyUpdate(b, 990, false, 1000, 0)
            energyUpdate(b, 20, true, 1000, 100)
            assertEq(b.life_J, 1020, "990 -> wrap at 1000 -> 20")
        })

        t.test("a save is due every SAVE_J; the day and its quota roll over after 24 h", async () => {
            const b = new EnergyBook()
            b.quota_Wh = 1
            assertEq(energyUpdate(b, 0, false, 1e9, 0), false, "nothing yet")
            assertEq(energyUpdate(b, SAVE_J - 1, false, 1e9, 1000), false, "just under")
            assertEq((b.quota_Wh > 0 && b.day_J >= b.quota_Wh * 3600), false, "quota not used at 3599 J")
            assertEq(energyUpdate(b, SAVE_J, false, 1e9, 2000), true, "due at SAVE_J")
            assertEq((b.quota_Wh > 0 && b.day_J >= b.quota_Wh * 3600), true, "1 Wh quota used")
            energySave(b)
            assertEq(energyUpdate(b, SAVE_J, false, 1e9, DAY_ms + 2000), true, "new day: due")
            assertEq(b.day_J, 0, "day count reset")
            assertEq((b.quota_Wh > 0 && b.day_J >= b.quota_Wh * 3600), false, "quota free again")
            assertEq(b.life_J, SAVE_J, "lifetime kept")
        })

        t.test("corrupt records are refused whole", async () => {
            const b = new EnergyBook()
            for (const bad of [null, 5, "x", [1, 2, 3], [1, 2, 3, -4], [1, "2", 3, 4], [1, 2, 3, Infinity], {}])
                assertEq(energyRestore(b, bad), false, "record " + JSON.stringify(bad))
            assertEq(b.life_J, 0, "nothing taken from them")
        })
    })

    t.describe("load management thresholds", () => {
        t.test("each class goes off below its threshold and comes back only above the band", async () => {
            assertEq(loadAction("normal", 99, false, false, false), "shed", "normal below 10 %")
            assertEq(loadAction("normal", 120, true, false, false), "shed", "still shed inside the band")
            assertEq(loadAction("normal", 150, true, false, false), "", "back at 15 %")
            assertEq(loadAction("normal", 120, false, false, false), "", "not shed at 12 % if it was on")
            assertEq(loadAction("sheddable", 299, false, false, false), "shed", "sheddable below 30 %")
            assertEq(loadAction("sheddable", 340, true, false, false), "shed", "sheddable held to 35 %")
            assertEq(loadAction("sheddable", 350, true, false, false), "", "sheddable back at 35 %")
        })

        t.test("critical outputs are never shed by charge (only the protections stop them)", async () => {
            for (const soc of [0, 1, 50, 99, 500]) assertEq(loadAction("critical", soc, true, true, true), "", "critical at " + soc)
        })

        t.test("throttleable: throttled below 40 % with a converter, shed below 15 %; without one, shed at 40 %", async () => {
            assertEq(loadAction("throttleable", 399, false, false, true), "throttle", "throttled")
            assertEq(loadAction("throttleable", 420, false, true, true), "throttle", "held throttled in the band")
            assertEq(loadAction("throttleable", 450, false, true, true), "", "full limit at 45 %")
            assertEq(loadAction("throttleable", 149, false, true, true), "shed", "shed below 15 %")
            assertEq(loadAction("throttleable", 399, false, false, false), "shed", "an eFuse output cannot be throttled: shed")
            assertEq(shedBand_pm("throttleable", false).join(","), "400,450", "its band")
            assertTrue(THROTTLE_FRACTION > 0 && THROTTLE_FRACTION < 1, "a throttle is a fraction")
        })

        t.test("an unknown class is treated as critical (never shed by mistake)", async () => {
            assertEq(loadAction("bogus", 0, false, false, true), "", "unknown class")
        })
    })

    t.describe("channel setting commands", () => {
        const cfg = referenceConfig()
        function ok(raw: any): any {
            const r = validateCommand(raw, cfg)
            assertTrue(r.ok, JSON.stringify(raw) + " refused: " + r.reason)
            return r.applied
        }
        function no(raw: any, part: string): void {
            const r = validateCommand(raw, cfg)
            assertEq(r.ok, false, JSON.stringify(raw) + " accepted")
            assertTrue(r.reason.indexOf(part) >= 0, "reason '" + r.reason + "' should say '" + part + "'")
        }
        t.test("names: 1-20 printable ASCII characters", async () => {
            assertEq(ok({ kind: "channel.name", channel: 2, name: "Laptop" }).name, "Laptop", "name")
            no({ kind: "channel.name", channel: 2, name: "" }, "1-20")
            no({ kind: "channel.name", channel: 2, name: "123456789012345678901" }, "1-20")
            no({ kind: "channel.name", channel: 2, name: "tab\there" }, "printable")
            no({ kind: "channel.name", channel: 2, name: 5 }, "printable")
            no({ kind: "channel.name", channel: 2 }, "missing field 'name'")
        })
        t.test("priorities, quotas and USB-C voltages are bounded", async () => {
            assertEq(ok({ kind: "channel.priority", channel: 0, priority: "sheddable" }).priority, "sheddable", "priority")
            no({ kind: "channel.priority", channel: 0, priority: "vip" }, "critical, normal, sheddable, throttleable")
            assertEq(ok({ kind: "channel.quota", channel: 5, quota_Wh: 49.6 }).quota_Wh, 50, "quota rounded")
            no({ kind: "channel.quota", channel: 5, quota_Wh: -1 }, "0 (none)")
            no({ kind: "channel.quota", channel: 5, quota_Wh: "50" }, "must be a number")
            assertEq(ok({ kind: "channel.voltage", channel: 3, voltage_mV: 20000 }).voltage_mV, 20000, "USB-C 20 V")
            no({ kind: "channel.voltage", channel: 3, voltage_mV: 21000 }, "5000-20000")
            no({ kind: "channel.voltage", channel: 3, voltage_mV: 3300 }, "5000-20000")
            no({ kind: "channel.voltage", channel: 4, voltage_mV: 9000 }, "fixed 12000 mV")
            no({ kind: "channel.voltage", channel: 9, voltage_mV: 9000 }, "channel must be an integer 0..5")
        })
        t.test("the reference box's limits follow each output's rating", async () => {
            no({ kind: "channel.limit", channel: 0, limit_mA: 2401 }, "rating of USB-A 1 (2400 mA)")
            assertNear(ok({ kind: "channel.limit", channel: 5, limit_mA: 8000 }).limit_mA, 8000, 0, "Anderson 8 A")
        })
    })
}
