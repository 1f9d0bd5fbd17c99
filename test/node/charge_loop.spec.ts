// Node only (the full cell model for minutes of charge is slow in the VM): the charging controller in the
// loop with the plant, the AP33772S and BQ25756 emulators and the charger path, as bench:charge runs it.
// The pack state comes from the plant's truth (PackTruth): the estimator is not in this loop yet.
import { EmulatedBus } from "../../sim/emulators/emulated_bus"
import { Ap33772sEmulator } from "../../sim/emulators/ap33772s"
import { Bq25756Emulator } from "../../sim/emulators/bq25756"
import { ChargerPath } from "../../sim/plant/charger_path"
import { laptopCharger65W } from "../../sim/plant/pd_source"
import { Plant } from "../../sim/plant/plant"
import { PackTruth } from "../../sim/plant/pack_truth"
import { referencePackFull } from "../../sim/plant/plant_params"
import { Ap33772s } from "../../src/drivers/ap33772s"
import { BQ25756_ADDRESS, Bq25756 } from "../../src/drivers/bq25756"
import { chemistryById } from "../../src/core/battery/chemistry"
import { ChargeController } from "../../src/core/charging/charge_controller"
import { PdSink } from "../../src/core/charging/pd_sink"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

class Pin {
    level = false
    write(high: boolean): void {
        this.level = high
    }
}

function rig(soc: number, chem: string, temp_C: number) {
    const plant = new Plant({ pack: { ...referencePackFull(), chemistry: chem, initialSoc: soc, spread: true, seed: 3 }, outputs: [], ambient_C: temp_C })
    const bus = new EmulatedBus()
    const usb = new Ap33772sEmulator(0x52)
    const nominal_mV = chem === "LFP" ? 14600 : 16800
    const bq = new Bq25756Emulator(BQ25756_ADDRESS, nominal_mV / 1000)
    bus.attach(usb)
    bus.attach(bq)
    const path = new ChargerPath(usb, bq)
    usb.attach(laptopCharger65W())
    const sel = [new Pin(), new Pin()]
    const ctl = new ChargeController(new PdSink(new Ap33772s(bus, 0x52), () => {}), new Bq25756(bus, BQ25756_ADDRESS), sel[0], sel[1], chemistryById(chem), { dividerNominal_mV: nominal_mV, inMin_mV: 4200, inMax_mV: 28000, usbCable_mA: 3000, dc_mA: 10000 }, { ceiling_pm: 800, fullBy_ms: -1 })
    return { plant, path, bq, ctl, sel, chem: chemistryById(chem), truth: new PackTruth(1800) }
}

/** Run `s` seconds; returns the highest cell voltage seen, mV. */
async function run(r: ReturnType<typeof rig>, s: number): Promise<number> {
    let vmax = 0
    for (let t = 1; t <= s; t++) {
        r.path.selected = r.sel[0].level ? "usb" : r.sel[1].level ? "dc" : ""
        r.path.before(r.plant, t)
        r.plant.step(1)
        r.path.after(r.plant, 1)
        let cmax = 0
        for (const v of r.plant.pack.cellVoltages_V()) if (v > cmax) cmax = v
        if (cmax * 1000 > vmax) vmax = cmax * 1000
        await r.ctl.step(t * 1000, r.truth.state(r.plant, t, 4, t * 1000), 0, false, 0)
    }
    return vmax
}

export const chargeLoopSpec: Spec = (t: TestApi) => {
    t.describe("charging controller in the loop (plant, AP33772S and BQ25756 emulators)", () => {
        t.test("a 65 W PPS charger takes the pack from 70 % to the 80 % ceiling, then the charger is off", async () => {
            const r = rig(0.7, "NMC", 25)
            await run(r, 120)
            assertEq(r.ctl.input, "usb", "USB-C selected")
            // The input's share, not 0.5 C (4 A): 63 W x 0.9 (the policy's efficiency floor) / ~16.3 V = ~3.5 A.
            assertTrue(r.plant.chargerCurrent_A > 3.3 && r.plant.chargerCurrent_A < 3.6, "CC at the input's share: " + r.plant.chargerCurrent_A)
            const vmax = await run(r, 1800)
            assertEq(r.ctl.decision.phase, "done", "done: " + r.ctl.decision.reason)
            assertTrue(Math.abs(r.plant.pack.trueSoc() - 0.8) < 0.01, "at 80 %: " + r.plant.pack.trueSoc())
            assertEq(r.bq.regulation().enabled, false, "the charger is switched off")
            assertTrue(vmax < r.chem.maxCharge_mV, "no cell above its limit: " + vmax)
        })

        t.test("an LFP pack below 0 °C is not charged, with the reason", async () => {
            const r = rig(0.3, "LFP", -5)
            await run(r, 30)
            assertEq(r.ctl.decision.phase, "too cold", r.ctl.decision.reason)
            assertEq(r.bq.regulation().enabled, false, "charger off")
            assertTrue(r.plant.chargerCurrent_A === 0, "no current")
        })
    })
}
