// Node only (minutes of plant time with the full cell model): the production supervisor with its charger,
// on the emulated board: PD sink and charger emulators, input-select lines, the charger path in the plant.
// The pack state comes from the box's own estimator and AFE, as on the device.
import { World } from "../../sim/board/world"
import { boardParamsFor } from "../../sim/board/board_params"
import { ChargeHardware } from "../../sim/board/charge_hardware"
import { ChargeController, chargerFor } from "../../src/core/charging/charge_controller"
import { Rig } from "../../sim/board/rig"
import { MemoryStore } from "../../sim/board/memory_store"
import { FlakySource, MultiPortCharger, laptopCharger65W } from "../../sim/plant/pd_source"
import { CarSupply } from "../../sim/plant/dc_source"
import { plantParamsFor, referencePackFull } from "../../sim/plant/plant_params"
import { referenceConfig } from "../../src/core/box_config"
import { KEY_CHARGE } from "../../src/core/supervisor"
import { Spec, TestApi, assertContains, assertEq, assertTrue } from "../harness/api"

interface Box {
    rig: Rig
    hw: ChargeHardware
    ctl: ChargeController
    world: World
}

/** A reference box with its charger; `again` restarts the firmware of another one (same board, plant and flash). */
function box(soc: number, o: { again?: Box; ambient_C?: number; store?: MemoryStore } = {}): Box {
    const cfg = referenceConfig()
    const pack = { ...referencePackFull(), initialSoc: soc, spread: true, seed: 5 }
    const old = o.again
    const world = old ? old.world : new World(plantParamsFor(cfg, pack, o.ambient_C !== undefined ? o.ambient_C : 25), boardParamsFor(cfg, pack.series))
    const hw = old ? old.hw : new ChargeHardware(world, cfg.charger)
    const ctl = chargerFor(cfg.charger, world.board.bus, hw.selUsb, hw.selDc, () => hw.dcOpen_mV())
    const rig = new Rig({ cfg, world, store: old ? old.rig.store : o.store, plantDt_ms: 50, charging: ctl })
    return { rig, hw, ctl, world }
}

export const chargingBoxSpec: Spec = (t: TestApi) => {
    t.describe("charging through the supervisor (estimator, AFE, PD sink and charger on the emulated board)", () => {
        t.test("a 65 W PPS charger: USB-C selected, the pack charges at the input's share, shown in the snapshot", async () => {
            const b = box(0.5)
            await b.rig.boot()
            b.hw.plugUsb(laptopCharger65W())
            const s = await b.rig.advance(20000)
            const c = s.charging
            assertEq(c.input, "usb", "input")
            assertEq(c.phase, "charging", c.reason)
            assertTrue(c.input_mV >= 15000 && c.input_mA >= 3000, "a 20 V-class contract: " + c.input_mV + " mV " + c.input_mA + " mA")
            assertTrue(c.charge_mA > 3000, "charge current " + c.charge_mA)
            assertTrue(s.battery.current_mA < -3000, "the pack takes it: " + s.battery.current_mA)
            assertEq(c.balancing.length, 4, "one balancing flag per cell")
            assertEq(c.ceiling_pm, 800, "the long-life ceiling by default")
            assertEq(s.faults.join("; "), "", "no fault while charging")
        })

        t.test("the ceiling and full-by commands, bounds checked, the ceiling kept across a restart", async () => {
            const b = box(0.5)
            await b.rig.boot()
            assertEq(b.rig.submit({ kind: "charge.ceiling", ceiling_pm: 600 }).ok, true, "600 accepted")
            assertContains(b.rig.submit({ kind: "charge.ceiling", ceiling_pm: 1200 }).reason, "from 500 to 1000", "1200 refused")
            assertContains(b.rig.submit({ kind: "charge.ceiling", ceiling_pm: 700, extra: 1 }).reason, "unknown field", "extra field refused")
            assertEq(b.rig.submit({ kind: "charge.full_by", in_h: 2 }).ok, true, "full in 2 h")
            let s = await b.rig.advance(3000)
            assertEq(s.charging.ceiling_pm, 600, "applied")
            assertTrue(Math.abs(s.charging.fullIn_s - 7197) <= 3, "full in ~2 h: " + s.charging.fullIn_s)
            // The store keeps [value, write counter] (persist.ts's torn-write shadow).
            assertEq(JSON.stringify((await b.rig.store.read(KEY_CHARGE))[0]), "[600,-1]", "saved: ceiling, never full")
            const again = box(0.5, { again: b })
            s = await again.rig.boot()
            assertEq(s.charging.ceiling_pm, 600, "restored after a restart")
        })

        t.test("a corrupt saved charging record is refused whole and said so: the default ceiling, the next charge full", async () => {
            for (const bad of ["[1200,3]", "[800]", "[800,\"x\"]", "[800,-2]", "\"800\"", "{\"ceiling_pm\":800}"]) {
                const store = new MemoryStore()
                store.text[KEY_CHARGE] = bad
                const b = box(0.5, { store })
                const s = await b.rig.boot()
                const notes = b.rig.eventsOf("setting").filter(e => e.message.indexOf("charging record") >= 0)
                assertEq(notes.length, 1, bad + ": one setting event")
                assertEq(s.charging.ceiling_pm, 800, bad + ": the default ceiling")
                assertTrue(!(b.ctl.lastFull_ms === b.ctl.lastFull_ms), bad + ": never full (the next charge recalibrates)")
            }
        })

        t.test("a box without a charger refuses charging commands and shows no charging", async () => {
            const cfg = referenceConfig()
            cfg.charger = undefined
            const rig = new Rig({ cfg, pack: referencePackFull() })
            const s = await rig.boot()
            assertEq(s.charging, undefined, "no charging in the snapshot")
            assertEq(rig.submit({ kind: "charge.ceiling", ceiling_pm: 900 }).reason, "this box has no charger", "refused")
        })

        t.test("a pack the charger's divider was not sized for is never charged (LFP on the 16.8 V divider)", async () => {
            const b = box(0.5)
            await b.rig.boot()
            b.hw.plugUsb(laptopCharger65W())
            assertEq(b.rig.submit({ kind: "pack.config", pack: { chemistry: "LFP", series: 4, parallel: 2, cellCapacity_mAh: 4000 } }).ok, true, "reconfigured")
            const s = await b.rig.advance(5000)
            assertEq(s.charging.phase, "fault", s.charging.reason)
            assertContains(s.charging.reason, "divider", "says why")
            assertEq(b.hw.charger.regulation().enabled, false, "charger off")
            assertContains(s.faults.join("; "), "charging:", "listed as a fault")
        })

        t.test("a charger that stops answering: a fault with the reason, and charging resumes when it answers again", async () => {
            const b = box(0.5)
            await b.rig.boot()
            b.hw.plugUsb(laptopCharger65W())
            await b.rig.advance(5000)
            const bus = b.world.board.bus
            bus.faultHook = (a: number) => (a === 0x6b ? "NACK (injected)" : "")
            let s = await b.rig.advance(3000)
            assertEq(s.charging.phase, "fault", s.charging.reason)
            assertContains(s.charging.reason, "charger:", "the charger named")
            bus.faultHook = undefined
            s = await b.rig.advance(5000)
            assertEq(s.charging.phase, "charging", s.charging.reason)
            assertTrue(b.rig.eventsOf("charge").length >= 2, "stopped and resumed are both logged")
        })

        t.test("no brown-out on any source change: an output keeps running through every plug, drop-out and swap", async () => {
            const b = box(0.5)
            await b.rig.boot()
            const OUT = 4 // the 12 V barrel, 6 ohm: about 2 A
            b.world.plant.setLoad(OUT, { type: "resistive", ohms: 6 })
            assertEq(b.rig.submit({ kind: "channel.enable", channel: OUT, on: true }).ok, true, "output on")
            await b.rig.advance(2000)
            const minOut_mV = b.rig.cfg.channels[OUT].minOut_mV
            let lowest_mV = 1e9
            let lowestBus_V = 1e9
            // Each phase with a source must really charge from it (else nothing was changed under load).
            const run = async (ms: number, what: string, charges = true) => {
                let most_A = 0
                for (let t = 0; t < ms; t += 250) {
                    const s = await b.rig.advance(250)
                    const o = b.world.plant.outputs[OUT]
                    assertEq(s.channels[OUT].state, "on", `${what}: the output stays on (${s.channels[OUT].reason})`)
                    if (o.meterVoltage_V * 1000 < lowest_mV) lowest_mV = o.meterVoltage_V * 1000
                    if (b.world.plant.bus_V < lowestBus_V) lowestBus_V = b.world.plant.bus_V
                    if (b.world.plant.chargerCurrent_A > most_A) most_A = b.world.plant.chargerCurrent_A
                }
                if (charges) assertTrue(most_A > 0.5, `${what}: charged from it (most ${most_A.toFixed(2)} A)`)
            }
            // Plug, a multi-port charger lowering and raising its offer, a source dropping out, USB to DC and back.
            const t_s = b.rig.t_ms / 1000
            b.hw.plugUsb(new MultiPortCharger(t_s + 15, t_s + 30))
            await run(45000, "multi-port charger")
            b.hw.plugUsb(new FlakySource(12, 3))
            await run(40000, "flaky source")
            b.hw.plugDc(new CarSupply("12 V car", 12, 0, 1e9))
            await run(15000, "car added")
            b.hw.plugUsb(undefined)
            await run(15000, "USB unplugged, car left")
            b.hw.plugUsb(laptopCharger65W())
            await run(20000, "laptop charger added")
            b.hw.plugDc(undefined)
            b.hw.plugUsb(undefined)
            await run(5000, "all unplugged", false)
            // Both inputs at once would have thrown in the board (ChargeHardware.before).
            assertTrue(lowest_mV >= minOut_mV, `the output never below its window: lowest ${Math.round(lowest_mV)} mV, window from ${minOut_mV} mV`)
            assertTrue(lowestBus_V > 4 * 3.4, `the pack bus never sagged: lowest ${lowestBus_V.toFixed(2)} V`)
        })

        t.test("the charger's own faults: it stops by itself, the box says which and resumes when it clears", async () => {
            const b = box(0.5)
            await b.rig.boot()
            b.hw.plugUsb(laptopCharger65W())
            let s = await b.rig.advance(5000)
            assertEq(s.charging.phase, "charging", s.charging.reason)
            const chg = b.hw.charger
            // Each fault the chip stops on: the snapshot's phase and reason, the faults list, no charge current.
            const cases: [string, (on: boolean) => void][] = [
                ["input over-voltage", on => chg.setInputOverVoltage(on)],
                ["thermal shutdown", on => chg.setThermalShutdown(on)],
                ["battery over-voltage", on => chg.setBatteryOverVoltage(on)],
                ["too cold", on => chg.setTsCold(on)],
            ]
            for (const [words, set] of cases) {
                set(true)
                s = await b.rig.advance(3000)
                assertEq(s.charging.phase, "fault", `${words}: ${s.charging.reason}`)
                assertContains(s.charging.reason, words, "the fault named")
                assertTrue(s.faults.some(f => f.indexOf(words) >= 0), `listed in the faults: ${s.faults.join("; ")}`)
                assertTrue(b.world.plant.chargerCurrent_A < 0.05, `${words}: no charge current (${b.world.plant.chargerCurrent_A} A)`)
                set(false)
                s = await b.rig.advance(5000)
                assertEq(s.charging.phase, "charging", `${words} cleared: ${s.charging.reason}`)
            }
        })

        t.test("balancing through the AFE: planned at rest, the bleed mask in the snapshot and on the chip", async () => {
            const b = box(0.6)
            b.rig.cfg.tick_ms = 1000
            await b.rig.boot()
            let seen = 0
            let bled = false
            // Rest (the estimator anchors every cell's SOC), then balance: the spread pack has cells to bleed.
            for (let k = 0; k < 3 * 3600 && !bled; k += 60) {
                const s = await b.rig.advance(60000)
                const afeMask = b.world.board.afe.balancing()
                let snapMask = 0
                for (let i = 0; i < s.charging.balancing.length; i++) snapMask |= s.charging.balancing[i] << i
                if (afeMask !== 0) {
                    seen = afeMask
                    bled = true
                    assertEq(snapMask, afeMask, "the snapshot shows what the AFE bleeds")
                }
            }
            assertTrue(bled, "some cell was bled within 3 h")
            assertEq(seen & (seen >> 1), 0, "never two adjacent cells")
            assertTrue(b.world.plant.pack.bleedEnergy_J > 0, "the plant's cells lost charge through the resistors")
        })

        t.test("a parked car's battery is not charged from, and the snapshot says why", async () => {
            const b = box(0.5)
            b.ctl.carMode = true
            await b.rig.boot()
            b.hw.plug("dc", "parked12")
            // The engine is off: 12.6 V at rest, falling while something draws from it. Ours does not.
            let s = await b.rig.advance(5000)
            assertEq(s.charging.input, "dc", "a resting 12.6 V battery may give a little")
            b.hw.plugDc(new CarSupply("12 V car, flat", 12, 1e9, 1e9))
            // A battery already drawn down by 40 Ah (the model keeps that in a private field).
            ;(b.hw.path.dc as any).drawn_As = 3600 * 40
            s = await b.rig.advance(5000)
            assertEq(s.charging.phase, "no input", s.charging.reason)
            assertContains(s.charging.reason, "engine off", "the reason names the parked car")
            assertEq(b.hw.charger.regulation().enabled, false, "charger off")
        })

        t.test("too hot to charge: no current, the reason in the snapshot", async () => {
            const b = box(0.5, { ambient_C: 50 })
            await b.rig.boot()
            b.hw.plugUsb(laptopCharger65W())
            const s = await b.rig.advance(5000)
            assertTrue(s.charging.phase === "too hot" || s.charging.phase === "held", s.charging.phase + ": " + s.charging.reason)
            assertEq(b.hw.charger.regulation().enabled, false, "charger off")
        })
    })
}
