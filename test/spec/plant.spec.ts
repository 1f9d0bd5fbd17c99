// Shared spec (VM + Node): the physical plant (sim/plant). It is the ground truth every firmware number is judged
// against, so its own arithmetic is checked here against closed forms worked out by hand.
import { OCV_GRID_V, isKnownChemistry, ocvAt } from "../../sim/plant/cell_curves"
import { ocvExtended, socResistanceFactor } from "../../sim/plant/cell"
import { Rng } from "../../sim/plant/rng"
import { LoadSpec, describeLoad, loadCurrent_A } from "../../sim/plant/load"
import { OutputPathParams } from "../../sim/plant/output_path"
import { Pack, PackParams } from "../../sim/plant/pack"
import { Plant } from "../../sim/plant/plant"
import { Spec, TestApi, assertEq, assertNear, assertTrue, fail } from "../harness/api"

// A 4S2P NMC pack at 80 %: capacity 2 x 4 Ah = 8 Ah; R = 4 x 0.018 / 2 + 0.01 = 0.046 Ohm;
// OCV = 4 x ocv(0.8) = 4 x 4.026 = 16.104 V (0.8 is grid point 16 of the 5 % grid).
const CAP_AH = 8
const R_PACK = 0.046
const E0 = 16.104

// One output path: switch 2.7 mOhm + shunt 5 mOhm + cable 25 mOhm = 32.7 mOhm.
const R_SW = 0.0027
const R_SH = 0.005
const R_CABLE = 0.025
const R_PATH = 0.0327

const UA = 1e-6

function packParams(soc: number): PackParams {
    return { chemistry: "NMC", series: 4, parallel: 2, cellCapacity_Ah: 4, cellR0_Ohm: 0.018, initialSoc: soc, wiring_Ohm: 0.01 }
}

function pathParams(): OutputPathParams {
    return { switch_Ohm: R_SW, shunt_Ohm: R_SH, cable_Ohm: R_CABLE }
}

function makePlant(channels: number, soc: number): Plant {
    const outputs: OutputPathParams[] = []
    for (let i = 0; i < channels; i++) outputs.push(pathParams())
    return new Plant({ pack: packParams(soc), outputs, ambient_C: 25 })
}

function throwsWith(f: () => void): string {
    try {
        f()
    } catch (e: any) {
        return "" + (e ? e.message : e)
    }
    return ""
}

export const plantSpec: Spec = (t: TestApi) => {
    t.describe("plant", () => {
        t.test("ocvAt: grid points of both curves", async () => {
            assertNear(ocvAt("NMC", 0), 2.8, 1e-9, "NMC 0 %")
            assertNear(ocvAt("NMC", 0.05), 3.588, 1e-9, "NMC 5 %")
            assertNear(ocvAt("NMC", 0.25), 3.745, 1e-9, "NMC 25 %")
            assertNear(ocvAt("NMC", 0.5), 3.838, 1e-9, "NMC 50 %")
            assertNear(ocvAt("NMC", 0.8), 4.026, 1e-9, "NMC 80 %")
            assertNear(ocvAt("NMC", 0.85), 4.056, 1e-9, "NMC 85 %")
            assertNear(ocvAt("NMC", 1), 4.198, 1e-9, "NMC 100 %")
            assertNear(ocvAt("LFP", 0), 2.833, 1e-9, "LFP 0 %")
            assertNear(ocvAt("LFP", 0.5), 3.265, 1e-9, "LFP 50 %")
            assertNear(ocvAt("LFP", 0.95), 3.314, 1e-9, "LFP 95 %")
            assertNear(ocvAt("LFP", 1), 3.392, 1e-9, "LFP 100 %")
            // every grid point, by index
            for (const chem of ["NMC", "LFP"]) {
                const g = OCV_GRID_V[chem]
                assertEq(g.length, 21, chem + " grid length (0..100 % in 5 % steps)")
                for (let i = 0; i < g.length; i++) assertNear(ocvAt(chem, i / 20), g[i], 1e-9, chem + " grid point " + i)
            }
        })

        t.test("ocvAt: linear between grid points", async () => {
            // 52.5 %: halfway between 3.838 and 3.858
            assertNear(ocvAt("NMC", 0.525), 3.848, 1e-9, "NMC 52.5 %")
            // 81.25 %: a quarter of the way from 4.026 to 4.056
            assertNear(ocvAt("NMC", 0.8125), 4.0335, 1e-9, "NMC 81.25 %")
            // 1 %: a fifth of the way from 2.8 to 3.588
            assertNear(ocvAt("NMC", 0.01), 2.9576, 1e-9, "NMC 1 %")
            // 97.5 %: halfway between 3.314 and 3.392
            assertNear(ocvAt("LFP", 0.975), 3.353, 1e-9, "LFP 97.5 %")
            // both curves rise monotonically
            for (const chem of ["NMC", "LFP"]) {
                let prev = ocvAt(chem, 0)
                for (let i = 1; i <= 200; i++) {
                    const v = ocvAt(chem, i / 200)
                    if (!(v >= prev)) fail(chem + " rises at " + i / 2 + " %: " + v + " < " + prev)
                    prev = v
                    if (i % 50 === 0) await t.pause()
                }
            }
        })

        t.test("ocvAt: clamps at the ends; an unknown chemistry throws", async () => {
            assertNear(ocvAt("NMC", -0.1), 2.8, 1e-12, "NMC below 0 %")
            assertNear(ocvAt("NMC", -100), 2.8, 1e-12, "NMC far below 0 %")
            assertNear(ocvAt("NMC", 1.0001), 4.198, 1e-12, "NMC above 100 %")
            assertNear(ocvAt("NMC", 5), 4.198, 1e-12, "NMC far above 100 %")
            assertNear(ocvAt("LFP", -0.5), 2.833, 1e-12, "LFP below 0 %")
            assertNear(ocvAt("LFP", 2), 3.392, 1e-12, "LFP above 100 %")
            const m = throwsWith(() => {
                ocvAt("LCO", 0.5)
            })
            assertTrue(m.indexOf("LCO") >= 0, "the error names the chemistry: '" + m + "'")
            assertTrue(throwsWith(() => {
                ocvAt("nmc", 0.5)
            }) !== "", "chemistry names are case-sensitive")
            assertTrue(isKnownChemistry("NMC") && isKnownChemistry("LFP"), "known chemistries")
            assertTrue(!isKnownChemistry("LCO"), "LCO is not known")
        })

        t.test("Pack: capacity, resistance, OCV and terminal voltage = OCV - I*R", async () => {
            const p = new Pack(packParams(0.8))
            assertNear(p.capacity_Ah(), CAP_AH, 1e-12, "capacity")
            assertNear(p.resistance_Ohm(), R_PACK, 1e-12, "resistance")
            assertNear(p.ocv_V(), E0, 1e-9, "OCV at 80 %")
            assertNear(p.terminal_V(0), 16.104, 1e-9, "terminal at 0 A")
            assertNear(p.terminal_V(2), 16.012, 1e-9, "terminal at 2 A: 16.104 - 0.092")
            assertNear(p.terminal_V(-3), 16.242, 1e-9, "terminal while charging at 3 A: 16.104 + 0.138")
            // a 3S1P LFP pack at 50 %: OCV 3 x 3.265 = 9.795 V, R = 3 x 0.005 + 0.002 = 0.017 Ohm
            const q = new Pack({ chemistry: "LFP", series: 3, parallel: 1, cellCapacity_Ah: 10, cellR0_Ohm: 0.005, initialSoc: 0.5, wiring_Ohm: 0.002 })
            assertNear(q.ocv_V(), 9.795, 1e-9, "LFP OCV")
            assertNear(q.terminal_V(10), 9.625, 1e-9, "LFP terminal at 10 A")
            assertNear(q.capacity_Ah(), 10, 1e-12, "LFP capacity")
        })

        t.test("Pack: SOC falls by I*t/capacity, charge counted, OCV follows", async () => {
            const p = new Pack(packParams(0.8))
            for (let i = 0; i < 180; i++) {
                p.step(10, 2) // 2 A for 1800 s
                if (i % 20 === 19) await t.pause()
            }
            // 2 A x 0.5 h = 1 Ah of 8 Ah: 0.8 - 0.125 = 0.675
            assertNear(p.meanSoc(), 0.675, 1e-9, "mean SOC")
            for (let i = 0; i < 4; i++) assertNear(p.soc[i], 0.675, 1e-9, "series group " + i)
            assertNear(p.throughput_C, 3600, 1e-6, "throughput (2 A x 1800 s)")
            // 67.5 %: halfway between 3.924 and 3.962 -> 3.943 per cell, 15.772 V
            assertNear(p.ocv_V(), 15.772, 1e-9, "OCV after the discharge")
            // charging at 4 A for 900 s puts 1 Ah back
            for (let i = 0; i < 90; i++) {
                p.step(10, -4)
                if (i % 20 === 19) await t.pause()
            }
            assertNear(p.meanSoc(), 0.8, 1e-9, "SOC after charging back")
            assertNear(p.throughput_C, 0, 1e-6, "net throughput")
        })

        t.test("loads: current at a given terminal voltage", async () => {
            assertNear(loadCurrent_A({ type: "resistive", ohms: 4 }, 12), 3, 1e-12, "12 V on 4 Ohm")
            assertNear(loadCurrent_A({ type: "constant_power", watts: 30 }, 12), 2.5, 1e-12, "30 W at 12 V")
            assertNear(loadCurrent_A({ type: "constant_current", amps: 1.5 }, 12), 1.5, 1e-12, "1.5 A at 12 V")
            assertEq(loadCurrent_A({ type: "constant_power", watts: 30, minVoltage_V: 13 }, 12), 0, "CP below its minimum voltage")
            assertEq(loadCurrent_A({ type: "constant_current", amps: 1.5, minVoltage_V: 13 }, 12), 0, "CC below its minimum voltage")
            assertEq(loadCurrent_A({ type: "constant_power", watts: 30 }, 0.5), 0, "CP below the default 1 V")
            assertEq(loadCurrent_A({ type: "resistive", ohms: 4 }, -1), 0, "no current at a negative voltage")
            assertEq(loadCurrent_A({ type: "none" }, 12), 0, "no load")
        })

        t.test("resistive load: I = E / (Rsource + Rpath + Rload) within 1 uA", async () => {
            const p = makePlant(1, 0.8)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.setSwitch(0, true)
            p.step(1)
            const i = E0 / (R_PACK + R_PATH + 4) // 16.104 / 4.0787 = 3.94832 A
            const o = p.outputs[0]
            assertNear(o.current_A, i, UA, "current")
            assertNear(p.bus_V, E0 - i * R_PACK, 1e-6, "bus voltage (pack terminals)")
            assertNear(o.meterVoltage_V, E0 - i * (R_PACK + R_SW + R_SH), 1e-6, "meter voltage (after the shunt)")
            assertNear(o.loadVoltage_V, i * 4, 1e-6, "load voltage")
            assertNear(o.meteredEnergy_J, (E0 - i * (R_PACK + R_SW + R_SH)) * i * 1, 1e-5, "metered energy in 1 s")
            assertNear(o.meteredCharge_C, i, UA, "metered charge in 1 s")
        })

        t.test("constant-power load draws P / V at the load", async () => {
            const p = makePlant(1, 0.8)
            p.setLoad(0, { type: "constant_power", watts: 30 })
            p.setSwitch(0, true)
            p.step(0.1)
            // i (E - i R) = P with R = 0.0787: the lower root of R i^2 - E i + P = 0
            const r = R_PACK + R_PATH
            const i = (E0 - Math.sqrt(E0 * E0 - 4 * r * 30)) / (2 * r) // ~1.8802 A
            const o = p.outputs[0]
            assertNear(o.current_A, i, UA, "current")
            assertNear(o.current_A * o.loadVoltage_V, 30, 2e-5, "power at the load")
            // a bigger load draws more current at a lower voltage
            p.setLoad(0, { type: "constant_power", watts: 60 })
            p.step(0.1)
            assertTrue(o.current_A > 2 * i, "60 W draws more than twice the 30 W current (" + o.current_A + ")")
            assertNear(o.current_A * o.loadVoltage_V, 60, 4e-5, "power at the load, 60 W")
        })

        t.test("constant-current load draws its current", async () => {
            const p = makePlant(1, 0.8)
            p.setLoad(0, { type: "constant_current", amps: 1.5 })
            p.setSwitch(0, true)
            p.step(0.1)
            const o = p.outputs[0]
            assertNear(o.current_A, 1.5, UA, "current")
            assertNear(p.bus_V, E0 - 1.5 * R_PACK, 1e-6, "bus voltage")
            assertNear(o.loadVoltage_V, E0 - 1.5 * (R_PACK + R_PATH), 1e-6, "load voltage")
        })

        t.test("each operating point satisfies the load's own I(V) from load.ts", async () => {
            const loads: LoadSpec[] = [
                { type: "resistive", ohms: 4 },
                { type: "resistive", ohms: 1.5 },
                { type: "constant_power", watts: 10 },
                { type: "constant_power", watts: 90, minVoltage_V: 9 },
                { type: "constant_current", amps: 0.25 },
                { type: "constant_current", amps: 4.5, minVoltage_V: 5 },
            ]
            for (const l of loads) {
                const p = makePlant(1, 0.6)
                p.setLoad(0, l)
                p.setSwitch(0, true)
                p.step(0.01)
                const o = p.outputs[0]
                assertTrue(o.current_A > 0.2, describeLoad(l) + " draws (" + o.current_A + " A)")
                assertNear(o.current_A, loadCurrent_A(l, o.loadVoltage_V), UA, describeLoad(l) + ": I vs load(V)")
            }
        })

        t.test("loads below their minimum voltage draw nothing", async () => {
            const p = makePlant(2, 0.8)
            // the pack gives at most 16.104 V
            p.setLoad(0, { type: "constant_power", watts: 30, minVoltage_V: 17 })
            p.setLoad(1, { type: "constant_current", amps: 2, minVoltage_V: 20 })
            p.setSwitch(0, true)
            p.setSwitch(1, true)
            p.step(1)
            assertNear(p.outputs[0].current_A, 0, UA, "CP load, 17 V minimum")
            assertNear(p.outputs[1].current_A, 0, UA, "CC load, 20 V minimum")
            assertNear(p.bus_V, E0, 1e-5, "no sag")
            // the same loads with a 12 V minimum do draw
            p.setLoad(0, { type: "constant_power", watts: 30, minVoltage_V: 12 })
            p.setLoad(1, { type: "constant_current", amps: 2, minVoltage_V: 12 })
            p.step(1)
            assertTrue(p.outputs[0].current_A > 1.8, "CP load above its minimum draws")
            assertNear(p.outputs[1].current_A, 2, UA, "CC load above its minimum draws")
            // 200 A would leave 16.104 - 200 x 0.0787 = 0.364 V at the load: below the default 1 V minimum
            p.setSwitch(1, false)
            p.setLoad(0, { type: "constant_current", amps: 200 })
            p.step(0.001)
            assertNear(p.outputs[0].current_A, 0, UA, "CC load that would sag below the default 1 V")
            // 1000 W is more than the source can deliver (E^2 / 4R = 823.8 W): the converter drops out
            p.setLoad(0, { type: "constant_power", watts: 1000 })
            p.step(0.001)
            assertNear(p.outputs[0].current_A, 0, UA, "CP load beyond the maximum power transfer")
        })

        t.test("an open switch carries nothing", async () => {
            const p = makePlant(1, 0.8)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.step(10)
            const o = p.outputs[0]
            assertEq(o.current_A, 0, "current")
            assertEq(o.meterVoltage_V, 0, "meter voltage")
            assertEq(o.meteredEnergy_J, 0, "metered energy")
            assertNear(p.bus_V, E0, 1e-9, "bus at OCV")
            assertNear(p.pack.meanSoc(), 0.8, 1e-12, "SOC unchanged")
            // closed, then opened again
            p.setSwitch(0, true)
            p.step(1)
            assertTrue(o.current_A > 3.9, "closed: current flows")
            const e = o.meteredEnergy_J
            p.setSwitch(0, false)
            p.step(10)
            assertEq(o.current_A, 0, "opened again: current")
            assertEq(o.meteredEnergy_J, e, "opened again: metered energy stops")
        })

        t.test("two channels sharing the pack both see the sag", async () => {
            const p = makePlant(2, 0.8)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.setLoad(1, { type: "resistive", ohms: 3 })
            p.setSwitch(0, true)
            p.step(0.001)
            const alone = p.outputs[0].current_A
            const busAlone = p.bus_V
            assertNear(alone, E0 / (R_PACK + R_PATH + 4), UA, "channel 0 alone")
            const e1 = p.pack.ocv_V() // the SOC moved by ~1e-7 during the first millisecond
            p.setSwitch(1, true)
            p.step(0.001)
            // both on: Vbus = E / (1 + Rs (1/(Rp+4) + 1/(Rp+3))), i_k = Vbus / (Rp + R_k)
            const g0 = 1 / (R_PATH + 4)
            const g1 = 1 / (R_PATH + 3)
            const vBus = e1 / (1 + R_PACK * (g0 + g1))
            assertNear(p.bus_V, vBus, 1e-6, "shared bus voltage")
            assertNear(p.outputs[0].current_A, vBus * g0, UA, "channel 0 with channel 1 on")
            assertNear(p.outputs[1].current_A, vBus * g1, UA, "channel 1")
            assertTrue(p.outputs[0].current_A < alone - 1e-3, "channel 0 sags when channel 1 turns on")
            assertTrue(busAlone - p.bus_V > 0.2, "the bus sags by the extra I x Rpack (" + (busAlone - p.bus_V) + " V)")
            for (let k = 0; k < 2; k++) {
                const o = p.outputs[k]
                assertNear(o.meterVoltage_V, p.bus_V - o.current_A * (R_SW + R_SH), 1e-9, "channel " + k + " meter voltage")
            }
        })

        t.test("Plant.step conserves energy: pack terminals = meter points + I^2 R of switch and shunt", async () => {
            const p = makePlant(2, 0.8)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.setLoad(1, { type: "constant_power", watts: 30 })
            p.setSwitch(0, true)
            p.setSwitch(1, true)
            let loss = 0
            for (let s = 0; s < 300; s++) {
                if (s === 100) p.setSwitch(1, false)
                if (s === 200) {
                    p.setSwitch(1, true)
                    p.setLoad(0, { type: "constant_current", amps: 2 })
                }
                p.step(3)
                for (const o of p.outputs) loss += o.current_A * o.current_A * (R_SW + R_SH) * 3
                if (s % 5 === 4) await t.pause() // ~12 K VM ops per two-channel step
            }
            const metered = p.outputs[0].meteredEnergy_J + p.outputs[1].meteredEnergy_J
            const delivered = p.pack.energyOut_J
            assertTrue(delivered > 30000, "a real run (" + delivered + " J)")
            assertTrue(loss > 10, "switch and shunt losses are not negligible (" + loss + " J)")
            assertNear(delivered, metered + loss, 0.001 * delivered, "pack energy vs meters + I^2 R")
            // charge has no losses: exact up to rounding
            const q = p.outputs[0].meteredCharge_C + p.outputs[1].meteredCharge_C
            assertNear(p.pack.throughput_C, q, 1e-9 * q, "pack charge vs metered charge")
        })
    })
}

/**
 * Plant.step solves the bus with the OCV from before the step, so Pack.step must book the energy at that
 * voltage too (it once used the voltage after the SOC update: ~0.17 % off over 30 minutes of 10 s steps).
 */
export const plantEnergyBooksSpec: Spec = (t: TestApi) => {
    t.describe("plant: energy books with long steps", () => {
        t.test("the pack books each step's energy at the bus voltage the step was solved with", async () => {
            const p = makePlant(1, 0.05)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.setSwitch(0, true)
            let e = p.pack.energyOut_J
            for (let s = 0; s < 10; s++) {
                p.step(10)
                const booked = p.pack.energyOut_J - e
                e = p.pack.energyOut_J
                const solved = p.bus_V * p.outputs[0].current_A * 10
                assertNear(booked, solved, 1e-9 * solved, "step " + s + ": pack energy vs bus_V x I x dt")
            }
        })

        t.test("energy is conserved within 0.1 % with 10 s steps near empty", async () => {
            const p = makePlant(1, 0.05)
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.setSwitch(0, true)
            let loss = 0
            for (let s = 0; s < 180; s++) {
                p.step(10)
                const i = p.outputs[0].current_A
                loss += i * i * (R_SW + R_SH) * 10
                if (s % 30 === 29) await t.pause()
            }
            const delivered = p.pack.energyOut_J
            assertNear(delivered, p.outputs[0].meteredEnergy_J + loss, 0.001 * delivered, "pack energy vs meters + I^2 R")
        })
    })
}

// ---------------------------------------------------------------------------------------------------------------
// The full ground-truth model (sim/plant/cell.ts, pack.ts, plant.ts): every effect against a closed form.

const KELVIN_0 = 273.15
const EA = 22000 // the chemistries' activation energy (cell.ts)
const NMC_R1 = 0.008 // per 3 Ah cell
const NMC_TAU1 = 15
const NMC_R2 = 0.012
const NMC_TAU2 = 500

/** One full-model cell (1S1P, 3 Ah NMC, R0 15 mOhm, no wiring) held at ambient (25 °C) unless told otherwise. */
function cellParams(over: any): PackParams {
    return {
        chemistry: "NMC", series: 1, parallel: 1, cellCapacity_Ah: 3, cellR0_Ohm: 0.015, initialSoc: 0.5, wiring_Ohm: 0,
        model: "full", thermalResistance_K_per_W: 0, ...over,
    }
}

/** The same but with nothing but the effect under test: no self-discharge and no ageing. */
function quietCell(over: any): PackParams {
    return cellParams({ selfDischarge_perDay: 0, cycleFade: 0, calendarFade_perDay: 0, ...over })
}

async function run(t: TestApi, p: Pack, steps: number, dt: number, current: number): Promise<void> {
    for (let s = 0; s < steps; s++) {
        p.step(dt, current)
        if (s % 30 === 29) await t.pause()
    }
}

/** Running mean, sigma and largest deviation from `centre` (no arrays: the VM heap is 64 KB). */
class Stats {
    n = 0
    sum = 0
    sumSq = 0
    maxDev = 0
    readonly centre: number
    constructor(centre: number) {
        this.centre = centre
    }
    add(x: number): void {
        this.n++
        this.sum += x
        this.sumSq += x * x
        const d = Math.abs(x - this.centre)
        if (d > this.maxDev) this.maxDev = d
    }
    mean(): number {
        return this.sum / this.n
    }
    sigma(): number {
        const m = this.mean()
        return Math.sqrt((this.sumSq - this.n * m * m) / (this.n - 1))
    }
}

/** Same seed, same pack; another seed, another pack; no spread unless asked. */
function checkSpreadDeterminism(base: PackParams): void {
    const a = new Pack(base)
    const b = new Pack(base)
    let same = true
    for (let i = 0; i < 16; i++)
        if (a.cells[i].builtCapacity_Ah !== b.cells[i].builtCapacity_Ah || a.cells[i].r0_Ohm !== b.cells[i].r0_Ohm || a.cellSoc(i) !== b.cellSoc(i)) same = false
    assertTrue(same, "same seed, same pack")
    const c = new Pack({ ...base, seed: 8 })
    let differs = false
    for (let i = 0; i < 16; i++) if (a.cells[i].builtCapacity_Ah !== c.cells[i].builtCapacity_Ah) differs = true
    assertTrue(differs, "another seed, another pack")
    const flat = new Pack({ ...base, spread: false })
    for (let i = 0; i < 16; i++) assertEq(flat.cells[i].builtCapacity_Ah, 6, "no spread unless asked")
}

/** Plant with the given pack and `channels` identical output paths (2.7 + 5 + 25 mOhm). */
function plantWith(pack: PackParams, channels: number, extra: any): Plant {
    const outputs: OutputPathParams[] = []
    for (let i = 0; i < channels; i++) outputs.push(pathParams())
    return new Plant({ pack, outputs, ambient_C: 25, ...extra })
}

/** Integral of the extended OCV curve over SOC from a to b (trapezoids on 2000 sub-steps), volt x unit SOC. */
async function ocvIntegral(t: TestApi, grid: number[], a: number, b: number): Promise<number> {
    const n = 2000
    const h = (b - a) / n
    let s = 0
    for (let i = 0; i < n; i++) {
        s += (ocvExtended(grid, a + i * h) + ocvExtended(grid, a + (i + 1) * h)) * 0.5 * h
        if (i % 200 === 199) await t.pause()
    }
    return s
}

export const plantModelSpec: Spec = (t: TestApi) => {
    t.describe("plant: full cell and pack model", () => {
        t.test("OCV: temperature coefficient, ideal model without it, steep extension past 0 % and 100 %", async () => {
            // NMC -0.10 mV/K, LFP -0.05 mV/K (cell.ts)
            assertNear(new Pack(cellParams({ initialTemperature_C: 25 })).ocv_V(), 3.838, 1e-12, "NMC 50 % at 25 °C")
            assertNear(new Pack(cellParams({ initialTemperature_C: 45 })).ocv_V(), 3.838 - 0.0001 * 20, 1e-12, "NMC 50 % at 45 °C")
            assertNear(new Pack(cellParams({ chemistry: "LFP", initialTemperature_C: 0 })).ocv_V(), 3.265 + 0.00005 * 25, 1e-12, "LFP 50 % at 0 °C")
            assertNear(new Pack(cellParams({ model: "ideal", initialTemperature_C: 45 })).ocv_V(), 3.838, 1e-12, "ideal model: no temperature term")
            const hot = new Pack(cellParams({ initialTemperature_C: 45 }))
            hot.prepare(1)
            assertNear(hot.theveninE_V, 3.836, 1e-12, "the bus solve sees the same OCV")
            // a plant starts its pack at the ambient
            const pl = plantWith(cellParams({ thermalResistance_K_per_W: 3 }), 0, { ambient_C: 5 })
            assertNear(pl.pack.temperature_C, 5, 1e-12, "pack starts at the ambient")
            assertNear(pl.pack.ocv_V(), 3.838 + 0.0001 * 20, 1e-12, "NMC 50 % at 5 °C")
            // Twice the end segments' slopes beyond the ends, never below 0
            const g = OCV_GRID_V["NMC"]
            assertNear(ocvExtended(g, -0.01), 2.8 - 2 * 0.788 * 0.2, 1e-12, "NMC at -1 %")
            assertNear(ocvExtended(g, 1.005), 4.198 + 2 * 0.063 * 0.1, 1e-12, "NMC at 100.5 %")
            assertEq(ocvExtended(g, -1), 0, "never below 0 V")
            for (const model of ["ideal", "full"]) {
                const deep = new Pack(quietCell({ model, initialSoc: -1 }))
                deep.prepare(1)
                assertEq(deep.theveninE_V, 0, model + ": a reversed cell's source is 0 V, not negative")
            }
            assertNear(ocvExtended(g, 0.525), 3.848, 1e-12, "inside the curve: linear as ocvAt")
            // SOC is not clamped: 1.5 A for 216 s takes 0.09 Ah (3 %) out of a 3 Ah cell at 2 %
            const p = new Pack(quietCell({ model: "ideal", initialSoc: 0.02 }))
            await run(t, p, 216, 1, 1.5)
            assertNear(p.meanSoc(), -0.01, 1e-9, "SOC below 0")
            assertNear(p.ocv_V(), 2.8 - 2 * 0.788 * 0.2, 1e-8, "OCV past the 0 % point at twice the end slope")
        })

        t.test("RC pairs relax after a current step as the closed form, for 1 ms, 0.5 s and 10 s steps", async () => {
            const cases = [
                { dt: 0.001, pulse: 1, rest: 0 },
                { dt: 0.5, pulse: 300, rest: 900 },
                { dt: 10, pulse: 300, rest: 900 },
            ]
            for (const k of cases) {
                // 54 % -> 51.2 % stays inside one segment of the curve; 25 °C, mid SOC: no R factors
                const p = new Pack(quietCell({ initialSoc: 0.54 }))
                const c = p.cells[0]
                const current = 1
                const n = Math.round((k.pulse + k.rest) / k.dt)
                const every = Math.round(Math.max(k.pulse / 4, k.dt) / k.dt)
                let checked = 0
                for (let s = 1; s <= n; s++) {
                    const tEnd = s * k.dt
                    const on = tEnd <= k.pulse + 1e-9
                    p.step(k.dt, on ? current : 0)
                    if (s % 30 === 0) await t.pause()
                    if (s % every !== 0 && s !== n) continue
                    let v1: number
                    let v2: number
                    if (on) {
                        v1 = current * NMC_R1 * (1 - Math.exp(-tEnd / NMC_TAU1))
                        v2 = current * NMC_R2 * (1 - Math.exp(-tEnd / NMC_TAU2))
                    } else {
                        v1 = current * NMC_R1 * (1 - Math.exp(-k.pulse / NMC_TAU1)) * Math.exp(-(tEnd - k.pulse) / NMC_TAU1)
                        v2 = current * NMC_R2 * (1 - Math.exp(-k.pulse / NMC_TAU2)) * Math.exp(-(tEnd - k.pulse) / NMC_TAU2)
                    }
                    const expected = c.ocvAt(25) - (on ? current * 0.015 : 0) - v1 - v2
                    assertNear(p.cellVoltage_V(0), expected, 1e-7, "dt " + k.dt + " s, t " + tEnd + " s: terminal voltage")
                    assertNear(c.v1, v1, 1e-9, "dt " + k.dt + " s, t " + tEnd + " s: V1")
                    checked++
                }
                assertTrue(checked >= 2, "checked some points")
                // the step's Thevenin source: E = OCV - a1 V1 - a2 V2, R = R0 + R1 (1 - a1) + R2 (1 - a2) + OCV move
                p.prepare(k.dt)
                const a1 = Math.exp(-k.dt / NMC_TAU1)
                const a2 = Math.exp(-k.dt / NMC_TAU2)
                assertNear(p.theveninE_V, c.ocvAt(25) - a1 * c.v1 - a2 * c.v2, 1e-12, "dt " + k.dt + ": Thevenin EMF")
                const rc = 0.015 + NMC_R1 * (1 - a1) + NMC_R2 * (1 - a2)
                assertTrue(p.theveninR_Ohm > rc && p.theveninR_Ohm < rc + (0.4 * k.dt) / 10800, "dt " + k.dt + ": Thevenin R " + p.theveninR_Ohm)
                assertNear(p.cellSoc(0), 0.54 - (current * k.pulse) / 3600 / 3, 1e-9, "dt " + k.dt + ": SOC moved by the pulse only")
                await t.pause()
            }
        })

        t.test("a flat OCV: the bus solved by the plant is the cells' end-of-step terminal voltage", async () => {
            const pl = plantWith(quietCell({ ocvGrid_V: [3.5, 3.5] }), 1, { quiescent_A: 0 })
            pl.setLoad(0, { type: "constant_current", amps: 2 })
            pl.setSwitch(0, true)
            for (const dt of [0.001, 1, 10, 10, 10]) {
                pl.step(dt)
                assertNear(pl.bus_V, pl.pack.cellVoltage_V(0), 1e-12, "dt " + dt + ": bus vs cell terminal")
            }
            pl.setSwitch(0, false)
            pl.step(10)
            assertNear(pl.bus_V, pl.pack.cellVoltage_V(0), 1e-12, "after switching off")
            assertTrue(pl.bus_V < 3.5 - 0.005, "the RC pairs are still charged: " + pl.bus_V)
        })

        t.test("hysteresis: LFP sits on the discharge branch after a discharge and the charge branch after a charge; NMC has none", async () => {
            // 1.7 A for 1800 s through 3.4 Ah: 25 % of SOC; h relaxes as exp(-0.25 / 0.07) towards the branch
            const decay = Math.exp(-0.25 / 0.07)
            const lfp = new Pack(quietCell({ chemistry: "LFP", cellCapacity_Ah: 3.4, initialSoc: 0.6 }))
            const c = lfp.cells[0]
            assertEq(c.hysteresis_V(), 0, "a fresh cell starts between the branches")
            await run(t, lfp, 180, 10, 1.7)
            const h1 = -1 + decay
            assertNear(c.hysteresis_V(), 0.015 * h1, 1e-9, "after the discharge")
            await run(t, lfp, 120, 60, 0) // two hours' rest: the RC pairs relax, the hysteresis stays
            assertNear(lfp.cellVoltage_V(0) - c.ocvAt(25), 0.015 * h1, 2e-5, "rest voltage below the OCV by H")
            assertTrue(lfp.cellVoltage_V(0) - c.ocvAt(25) < -0.0140, "LFP rest voltage > 14 mV below the mid curve after a discharge")
            lfp.prepare(1)
            assertNear(lfp.theveninE_V, c.ocvAt(25) + 0.015 * h1, 2e-5, "the bus solve sees the hysteresis")
            await run(t, lfp, 180, 10, -1.7)
            const h2 = 1 + (h1 - 1) * decay
            assertNear(c.hysteresis_V(), 0.015 * h2, 1e-9, "after the charge")
            await run(t, lfp, 120, 60, 0)
            assertTrue(lfp.cellVoltage_V(0) - c.ocvAt(25) > 0.0140, "LFP rest voltage > 14 mV above the mid curve after a charge")
            const nmc = new Pack(quietCell({ initialSoc: 0.6 }))
            await run(t, nmc, 180, 10, 1.5)
            await run(t, nmc, 120, 60, 0)
            assertEq(nmc.cells[0].hysteresis_V(), 0, "NMC: no hysteresis")
            assertNear(nmc.cellVoltage_V(0), nmc.cells[0].ocvAt(25), 2e-5, "NMC rests on its OCV")
        })

        t.test("Arrhenius: R at 0 °C is 2.25 x R at 25 °C (Ea 22 kJ/mol); the ideal model has no temperature term", async () => {
            const ratio = Math.exp((EA / 8.314) * (1 / KELVIN_0 - 1 / (KELVIN_0 + 25)))
            assertTrue(ratio > 1.8 && ratio < 2.7, "roughly doubles from 25 °C to 0 °C: " + ratio)
            const warm = new Pack(cellParams({}))
            const cold = new Pack(cellParams({ initialTemperature_C: 0 }))
            const hot = new Pack(cellParams({ initialTemperature_C: 45 }))
            assertNear(warm.resistance_Ohm(), 0.015, 1e-12, "R0 at 25 °C, 50 %")
            assertNear(cold.resistance_Ohm() / warm.resistance_Ohm(), ratio, 1e-9, "R(0 °C) / R(25 °C)")
            assertTrue(hot.resistance_Ohm() < 0.75 * warm.resistance_Ohm(), "lower when hot")
            // the RC pairs scale the same way (k multiplies R0, R1 and R2)
            cold.prepare(1)
            warm.prepare(1)
            assertNear(cold.cells[0].k / warm.cells[0].k, ratio, 1e-9, "RC pairs' factor")
            // the plant's ambient sets the pack temperature
            const pl = plantWith(cellParams({}), 0, { ambient_C: 0 })
            assertNear(pl.pack.resistance_Ohm(), 0.015 * ratio, 1e-12, "pack in a 0 °C plant")
            const ideal = new Pack(cellParams({ model: "ideal", initialTemperature_C: 0 }))
            assertNear(ideal.resistance_Ohm(), 0.015, 1e-12, "ideal model at 0 °C")
        })

        t.test("SOC ends: R x1.4 at 0 %, x1.25 at 100 %, flat from 10 % to 95 %", async () => {
            const pts = [
                { soc: 0.5, f: 1 },
                { soc: 0.1, f: 1 },
                { soc: 0.95, f: 1 },
                { soc: 0.05, f: 1.1 },
                { soc: 0, f: 1.4 },
                { soc: 0.975, f: 1.0625 },
                { soc: 1, f: 1.25 },
            ]
            for (const x of pts) {
                assertNear(socResistanceFactor(x.soc, 1.4, 1.25), x.f, 1e-12, "factor at " + x.soc)
                const p = new Pack(cellParams({ initialSoc: x.soc }))
                assertNear(p.resistance_Ohm(), 0.015 * x.f, 1e-12, "pack R at " + x.soc)
                p.prepare(1) // the step's own (inlined) factor
                assertNear(p.cells[0].k, x.f, 1e-12, "step factor at " + x.soc)
            }
            assertNear(new Pack(cellParams({ model: "ideal", initialSoc: 0.02 })).resistance_Ohm(), 0.015, 1e-12, "ideal: flat")
        })

        t.test("coulombic efficiency: a discharge takes every Ah, a charge stores eta of it (NMC 0.998, LFP 0.999)", async () => {
            const cases = [
                { chemistry: "NMC", eta: 0.998 },
                { chemistry: "LFP", eta: 0.999 },
            ]
            for (const k of cases) {
                const p = new Pack(quietCell({ chemistry: k.chemistry, initialSoc: 0.5 }))
                await run(t, p, 60, 60, 1) // 1 Ah out of 3
                assertNear(p.cellSoc(0), 0.5 - 1 / 3, 1e-9, k.chemistry + " after the discharge")
                await run(t, p, 60, 60, -1) // 1 Ah in
                assertNear(p.cellSoc(0), 0.5 - 1 / 3 + k.eta / 3, 1e-9, k.chemistry + " after the charge")
                assertNear(p.throughput_C, 0, 1e-9, k.chemistry + " net throughput counts the terminals' charge")
            }
        })

        t.test("self-discharge over a simulated month: NMC 2.5 %, LFP 1.5 % at 25 °C, doubled at 35 °C", async () => {
            const cases = [
                { chemistry: "NMC", temp: 25, loss: 0.025 },
                { chemistry: "LFP", temp: 25, loss: 0.015 },
                { chemistry: "NMC", temp: 35, loss: 0.05 },
            ]
            for (const k of cases) {
                const p = new Pack(cellParams({ chemistry: k.chemistry, initialSoc: 0.6, initialTemperature_C: k.temp, cycleFade: 0, calendarFade_perDay: 0 }))
                await run(t, p, 120, 21600, 0) // 30 days in 6 h steps
                assertNear(p.cellSoc(0), 0.6 - k.loss, 1e-9, k.chemistry + " at " + k.temp + " °C")
            }
            const ideal = new Pack(cellParams({ model: "ideal", initialSoc: 0.6 }))
            await run(t, ideal, 120, 21600, 0)
            assertEq(ideal.cellSoc(0), 0.6, "the ideal model keeps its charge")
        })

        t.test("leaky and weak cells: x4 self-discharge; a weak group limits the string's capacity and SOC", async () => {
            const p = new Pack({
                chemistry: "NMC", series: 4, parallel: 1, cellCapacity_Ah: 3, cellR0_Ohm: 0.015, initialSoc: 0.6, wiring_Ohm: 0,
                model: "full", thermalResistance_K_per_W: 0, cycleFade: 0, calendarFade_perDay: 0, leakyCell: 2, weakCell: 1, weakCapacityFactor: 0.7,
            })
            assertNear(p.cellCapacity_Ah(1), 2.1, 1e-12, "weak group: 0.7 x 3 Ah")
            assertNear(p.cellCapacity_Ah(0), 3, 1e-12, "ordinary group")
            assertNear(p.trueCapacity_Ah(), 2.1, 1e-12, "a balanced string with a weak group: its capacity")
            assertNear(p.trueSoc(), 0.6, 1e-12, "balanced: SOC as usual")
            await run(t, p, 120, 21600, 0) // a month
            assertNear(p.cellSoc(2), 0.6 - 0.1, 1e-9, "leaky group: 4 x 2.5 %")
            assertNear(p.cellSoc(0), 0.6 - 0.025, 1e-9, "ordinary group")
            // remaining = min(1.725, 1.2075, 1.5, 1.725) = 1.2075 Ah; room = min(1.275, 0.8925, 1.5, 1.275) = 0.8925 Ah
            assertNear(p.trueRemaining_Ah(), 1.2075, 1e-9, "remaining after the month")
            assertNear(p.trueCapacity_Ah(), 2.1, 1e-9, "capacity after the month")
            // 1 Ah out in an hour (plus an hour's self-discharge d): remaining min(0.725, 0.2075, 0.5, 0.725) - d Q,
            // room min(2.275, 1.8925, 2.5, 2.275) + d Q: both set by the weak group
            await run(t, p, 60, 60, 1)
            const d = 0.025 / 30 / 24
            assertNear(p.cellSoc(1), 0.575 - 1 / 2.1 - d, 1e-9, "weak group falls faster")
            assertNear(p.cellSoc(0), 0.575 - 1 / 3 - d, 1e-9, "ordinary group")
            assertNear(p.trueRemaining_Ah(), 0.2075 - 2.1 * d, 1e-9, "remaining after 1 Ah")
            assertNear(p.trueSoc(), (0.2075 - 2.1 * d) / 2.1, 1e-9, "string SOC = the weak group's")
        })

        t.test("ageing: capacity falls by cycleFade per capacity-equivalent of throughput, R grows 1.5 x the fraction lost", async () => {
            // 10 cycles of +-3 A for 30 min: 30 Ah through a 3 Ah cell. Q(1 - k dAh / Q) = Q - k dAh, so
            // Q = 3 - 2e-4 x 30 = 2.994 Ah whatever the batching; R factor 1 + 1.5 x 0.006 / 3 = 1.003.
            const p = new Pack(cellParams({ initialSoc: 0.5, selfDischarge_perDay: 0, calendarFade_perDay: 0 }))
            for (let cyc = 0; cyc < 10; cyc++) {
                await run(t, p, 30, 60, 3)
                await run(t, p, 30, 60, -3)
            }
            p.flushAgeing()
            assertNear(p.cellCapacity_Ah(0), 2.994, 1e-9, "capacity after 30 Ah")
            assertNear(p.cells[0].rAge, 1.003, 1e-9, "resistance factor")
            assertNear(p.resistance_Ohm(), 0.015 * 1.003 * socResistanceFactor(p.cellSoc(0), 1.4, 1.25), 1e-12, "R0 grew")
            // the defaults: 500 full cycles (2 Q each) leave (1 - 2 k)^500 -> NMC 82 %, LFP 2000 cycles 82 %
            assertTrue(Math.abs(Math.pow(1 - 2 * 2e-4, 500) - 0.819) < 0.002, "NMC: 500 cycles to ~82 %")
            assertTrue(Math.abs(Math.pow(1 - 2 * 5e-5, 2000) - 0.819) < 0.002, "LFP: 2000 cycles to ~82 %")
            // calendar: 30 days in 1 h batches; x exp(2.68 x 0.6) at 100 % SOC, x exp(Ea/R (1/298.15 - 1/313.15)) at 40 °C
            const kCal = 0.04 / 365
            const cases = [
                { soc: 0.4, temp: 25, f: 1 },
                { soc: 1.0, temp: 25, f: Math.exp(2.68 * 0.6) },
                { soc: 0.4, temp: 40, f: Math.exp((40000 / 8.314) * (1 / 298.15 - 1 / 313.15)) },
            ]
            for (const k of cases) {
                const q = new Pack(cellParams({ initialSoc: k.soc, initialTemperature_C: k.temp, selfDischarge_perDay: 0, cycleFade: 0 }))
                await run(t, q, 720, 3600, 0)
                assertNear(q.cellCapacity_Ah(0), 3 * Math.pow(1 - (kCal * k.f) / 24, 720), 1e-9, "calendar at " + k.soc + ", " + k.temp + " °C")
            }
            assertTrue(cases[1].f > 4.9 && cases[1].f < 5.1, "100 % SOC ages 5 x faster than 40 % (BU-808: 4 % vs 20 % a year)")
            // pre-aged: 80 % of nameplate, R x 1.5
            const old = new Pack({ ...cellParams({}), initialCapacityFraction: 0.8, initialResistanceFactor: 1.5 })
            assertNear(old.trueCapacity_Ah(), 2.4, 1e-12, "pre-aged capacity")
            assertNear(old.resistance_Ohm(), 0.0225, 1e-12, "pre-aged R0")
            assertNear(old.capacity_Ah(), 3, 1e-12, "capacity_Ah() stays the nameplate")
        })

        t.test("spread: seeded PRNG is the same in Node and the VM; statistics and clipping as promised", async () => {
            const r = new Rng(1)
            assertEq(r.nextU32(), 3788525129, "xorshift32 draw 1 for seed 1")
            assertEq(r.nextU32(), 3946468069, "draw 2")
            assertEq(r.nextU32(), 2377312406, "draw 3")
            assertNear(r.gaussian(), 0.7338706926497903, 1e-12, "a normal deviate")
            assertEq(new Rng(0).nextU32(), 2522300268, "seed 0 works")
            const base: PackParams = {
                chemistry: "NMC", series: 16, parallel: 2, cellCapacity_Ah: 3, cellR0_Ohm: 0.015, initialSoc: 0.5, wiring_Ohm: 0,
                model: "full", spread: true, seed: 7,
            }
            checkSpreadDeterminism(base) // (its packs are freed on return: the VM heap is 64 KB)
            await t.pause()
            const cap = new Stats(1)
            const r0 = new Stats(1)
            const soc = new Stats(0)
            const sd = new Stats(1)
            for (let seed = 1; seed <= 30; seed++) {
                const p = new Pack({ ...base, seed })
                for (const cell of p.cells) {
                    cap.add(cell.builtCapacity_Ah / 6)
                    r0.add(cell.r0_Ohm / 0.0075)
                    soc.add(cell.soc - 0.5)
                    sd.add(cell.selfDischarge_perDay / (0.025 / 30))
                }
                await t.pause()
            }
            assertEq(cap.n, 480, "480 groups")
            assertNear(cap.mean(), 1, 0.002, "capacity mean")
            assertTrue(cap.sigma() > 0.008 && cap.sigma() < 0.012, "capacity sigma ~1 %: " + cap.sigma())
            assertTrue(cap.maxDev <= 0.03 + 1e-12, "capacity clipped at 3 %")
            assertNear(r0.mean(), 1, 0.006, "R0 mean")
            assertTrue(r0.sigma() > 0.034 && r0.sigma() < 0.045, "R0 sigma ~4 %: " + r0.sigma())
            assertTrue(r0.maxDev <= 0.1 + 1e-12, "R0 clipped at 10 %")
            assertTrue(r0.maxDev > 0.07, "R0 spread reaches its tails")
            assertNear(soc.mean(), 0, 0.003, "SOC offset mean")
            assertTrue(soc.sigma() > 0.013 && soc.sigma() < 0.017, "SOC sigma ~1.5 %: " + soc.sigma())
            assertNear(sd.mean(), 1, 0.05, "self-discharge mean")
            assertTrue(sd.sigma() > 0.25 && sd.sigma() < 0.35, "self-discharge sigma ~30 %: " + sd.sigma())
        })

        t.test("thermal node: steady rise P x Rth, time constant Rth x C, follows the ambient", async () => {
            // 2 A through 50 mOhm: 0.2 W into 200 J/K behind 5 K/W -> +1 K, tau 1000 s (ideal model: R0 only)
            const p = new Pack({
                chemistry: "NMC", series: 1, parallel: 1, cellCapacity_Ah: 100, cellR0_Ohm: 0.05, initialSoc: 0.5, wiring_Ohm: 0,
                heatCapacity_J_per_K: 200, thermalResistance_K_per_W: 5,
            })
            assertNear(p.temperature_C, 25, 1e-12, "starts at 25 °C")
            await run(t, p, 100, 10, 2)
            assertNear(p.temperature_C, 25 + (1 - Math.exp(-1)), 1e-9, "after one time constant")
            assertNear(p.heat_J, 0.2 * 1000, 1e-9, "heat = I^2 R t")
            await run(t, p, 90, 100, 2)
            assertNear(p.temperature_C, 25 + (1 - Math.exp(-10)), 1e-9, "after ten: the steady rise")
            // the ambient steps to 35 °C with no current: relaxes with the same tau
            const t0 = p.temperature_C
            for (let s = 0; s < 10; s++) p.step(100, 0, 35)
            assertNear(p.temperature_C, 35 + (t0 - 35) * Math.exp(-1), 1e-9, "follows the ambient")
            // the plant's ambient is settable; the outputs' switch and shunt losses heat the pack too
            const pl = plantWith({ ...cellParams({ model: "ideal" }), heatCapacity_J_per_K: 200, thermalResistance_K_per_W: 5 }, 1, {})
            pl.ambient_C = 10
            for (let s = 0; s < 20; s++) pl.step(500)
            assertNear(pl.pack.temperature_C, 10, 1e-3, "the plant's pack follows its ambient")
            pl.setLoad(0, { type: "resistive", ohms: 1 })
            pl.setSwitch(0, true)
            pl.step(1)
            const i = pl.outputs[0].current_A
            assertNear(pl.pack.heat_J, i * i * (0.015 + R_SW + R_SH) * 1, 1e-9, "heat: cell + switch + shunt")
        })

        t.test("charger: CC current, CV holds the bus and tapers, shares the bus with a load and the quiescent draw", async () => {
            // 4S1P ideal NMC, R = 4 x 15 + 10 mOhm = 70 mOhm; quiescent 15 mA; one 20 Ohm load
            const pack: PackParams = { chemistry: "NMC", series: 4, parallel: 1, cellCapacity_Ah: 3, cellR0_Ohm: 0.015, initialSoc: 0.5, wiring_Ohm: 0.01 }
            const p = plantWith(pack, 1, { quiescent_A: 0.015 })
            p.setLoad(0, { type: "resistive", ohms: 20 })
            p.setSwitch(0, true)
            p.setCharger({ voltage_V: 16.8, current_A: 1.5 })
            const e = p.pack.ocv_V()
            p.step(0.001)
            const out = p.outputs[0].current_A
            assertEq(p.chargerMode, "cc", "far from full: constant current")
            assertNear(p.chargerCurrent_A, 1.5, 1e-12, "CC at the set current")
            assertNear(p.packCurrent_A, out + 0.015 - 1.5, 1e-12, "pack shunt: outputs + quiescent - charger")
            assertNear(p.bus_V, e - 0.07 * p.packCurrent_A, 1e-6, "bus = E - R x I_pack")
            assertNear(out, p.bus_V / (20 + R_PATH), 1e-9, "the load sees the shared bus")
            assertTrue(p.bus_V < 16.8, "below the CV setting")
            // near full: CV holds the bus at 16.8 V, the load still gets its share, the pack's current tapers
            const full: PackParams = { ...pack, initialSoc: 0.99 }
            const a = plantWith(full, 1, { quiescent_A: 0.015 })
            const b = plantWith(full, 1, { quiescent_A: 0.015 })
            for (const x of [a, b]) x.setCharger({ voltage_V: 16.8, current_A: 3 })
            a.setLoad(0, { type: "resistive", ohms: 20 })
            a.setSwitch(0, true)
            const e2 = a.pack.ocv_V()
            a.step(0.001)
            b.step(0.001)
            assertEq(a.chargerMode, "cv", "near full: constant voltage")
            assertEq(a.bus_V, 16.8, "bus held at the setting")
            assertNear(a.outputs[0].current_A, 16.8 / (20 + R_PATH), 1e-9, "load current at 16.8 V")
            assertNear(a.packCurrent_A, (e2 - 16.8) / 0.07, 1e-5, "pack current (E - 16.8) / R")
            assertNear(a.packCurrent_A, b.packCurrent_A, 1e-12, "the pack's share does not depend on the load")
            assertNear(a.chargerCurrent_A, a.outputs[0].current_A + 0.015 - a.packCurrent_A, 1e-12, "charger = load + quiescent + pack")
            let prev = -a.packCurrent_A
            const first = prev
            for (let s = 0; s < 120; s++) {
                a.step(5)
                const i = -a.packCurrent_A
                if (!(i <= prev + 1e-12)) fail("CV current rose at step " + s + ": " + i + " > " + prev)
                assertEq(a.bus_V, 16.8, "bus held at step " + s)
                prev = i
                if (s % 30 === 29) await t.pause()
            }
            assertTrue(prev < first / 2, "tapers: " + first + " A -> " + prev + " A in 10 min")
            // CC into CV from 85 %: the same with 10 s and 0.5 s steps (stable at long steps)
            const c10 = plantWith({ ...pack, initialSoc: 0.85 }, 0, { quiescent_A: 0.015 })
            const c05 = plantWith({ ...pack, initialSoc: 0.85 }, 0, { quiescent_A: 0.015 })
            c10.setCharger({ voltage_V: 16.8, current_A: 3 })
            c05.setCharger({ voltage_V: 16.8, current_A: 3 })
            for (let s = 0; s < 60; s++) {
                c10.step(10)
                if (s % 30 === 29) await t.pause()
            }
            let last10 = 0 // a step's current is its mean over the step: compare with the mean of the last 10 s
            for (let s = 0; s < 1200; s++) {
                c05.step(0.5)
                if (s >= 1180) last10 += c05.packCurrent_A / 20
                if (s % 60 === 59) await t.pause()
            }
            assertEq(c10.chargerMode, "cv", "in CV after 10 min")
            assertTrue(last10 < -0.5, "still charging: " + last10 + " A")
            assertNear(c10.packCurrent_A, last10, 0.01 * Math.abs(last10), "10 s vs 0.5 s steps: current over the last 10 s")
            assertNear(c10.pack.meanSoc(), c05.pack.meanSoc(), 2e-4, "10 s vs 0.5 s steps: SOC after 10 min")
            // CV with a linear OCV (3 + SOC) and R = 50 mOhm: V_cv - OCV decays as exp(-t / tau), tau = 3600 Q R / 1 =
            // 360 s, exactly at any step length (the OCV move is fitted to the exponential)
            for (const dt of [100, 1000]) {
                const lin = plantWith({ chemistry: "NMC", series: 1, parallel: 1, cellCapacity_Ah: 2, cellR0_Ohm: 0.05, initialSoc: 0.5, wiring_Ohm: 0, ocvGrid_V: [3, 4] }, 0, {})
                lin.setCharger({ voltage_V: 3.9, current_A: 10 })
                let soc0 = 0.5
                for (let s = 1; s <= 5; s++) {
                    lin.step(dt)
                    assertEq(lin.chargerMode, "cv", "linear cell in CV")
                    const soc = 0.9 - 0.4 * Math.exp((-s * dt) / 360)
                    assertNear(lin.pack.meanSoc(), soc, 1e-9, "dt " + dt + " step " + s + ": SOC as the closed form")
                    assertNear(-lin.packCurrent_A, ((soc - soc0) * 7200) / dt, 1e-9, "step " + s + ": current = the step's mean")
                    soc0 = soc
                }
            }
            // a supply set below the pack voltage delivers nothing; disconnected it is "off"
            a.setCharger({ voltage_V: 12, current_A: 1.5 })
            a.step(1)
            assertEq(a.chargerMode, "idle", "below the pack: idle")
            assertEq(a.chargerCurrent_A, 0, "idle: no current")
            a.setCharger(undefined)
            a.step(1)
            assertEq(a.chargerMode, "off", "disconnected")
        })

        t.test("imbalance: trueSoc, trueCapacity and trueRemaining on hand-made two-cell packs", async () => {
            const two: PackParams = { chemistry: "NMC", series: 2, parallel: 1, cellCapacity_Ah: 2, cellR0_Ohm: 0.015, initialSoc: 0.5, wiring_Ohm: 0 }
            const bal = new Pack(two)
            assertNear(bal.trueSoc(), 0.5, 1e-12, "balanced: the ordinary SOC")
            assertNear(bal.trueCapacity_Ah(), 2, 1e-12, "balanced: the group capacity")
            // 2 Ah at 90 % and 2 Ah at 20 %: remaining min(1.8, 0.4) = 0.4, room min(0.2, 1.6) = 0.2
            const skew = new Pack({ ...two, initialSocs: [0.9, 0.2] })
            assertNear(skew.trueRemaining_Ah(), 0.4, 1e-12, "remaining")
            assertNear(skew.trueCapacity_Ah(), 0.6, 1e-12, "usable capacity")
            assertNear(skew.trueSoc(), 0.4 / 0.6, 1e-12, "SOC")
            assertNear(skew.meanSoc(), 0.55, 1e-12, "the mean SOC would say 55 %")
            // a 1 Ah weak cell at 80 % next to a 2 Ah cell at 50 %: remaining min(1.0, 0.8), room min(1.0, 0.2)
            const weak = new Pack({ ...two, weakCell: 1, weakCapacityFactor: 0.5, initialSocs: [0.5, 0.8] })
            assertNear(weak.trueRemaining_Ah(), 0.8, 1e-12, "weak: remaining")
            assertNear(weak.trueCapacity_Ah(), 1.0, 1e-12, "weak: capacity")
            assertNear(weak.trueSoc(), 0.8, 1e-12, "weak: SOC")
        })

        t.test("timeToEmpty and timeToFull: an ideal cell with a linear OCV against the closed forms", async () => {
            // OCV = 3 + SOC, Q = 2 Ah. Constant P with R = 0: V dV/dt = -P / (3600 Q), so
            // t = 3600 Q (V0^2 - Vc^2) / (2 P) = 7200 x (3.8^2 - 3.2^2) / 10 = 3024 s; energy = Q x integral = 4.2 Wh
            const lin: PackParams = { chemistry: "NMC", series: 1, parallel: 1, cellCapacity_Ah: 2, cellR0_Ohm: 0, initialSoc: 0.8, wiring_Ohm: 0, ocvGrid_V: [3, 4] }
            const p = new Pack(lin)
            assertNear(p.timeToEmpty_s(5, 3.2, 0.01), 3024, 3024 * 0.003, "time to empty at 5 W")
            await t.pause() // each projection runs in one slice: keep the steps few in the VM (socStep 0.01)
            assertNear(p.trueRemainingEnergy_Wh(5, 3.2, 0.01), 4.2, 4.2 * 0.003, "remaining energy at 5 W")
            assertNear(p.meanSoc(), 0.8, 1e-12, "the projection ran on a copy")
            assertEq(p.timeToEmpty_s(5, 3.9), 0, "already below the cut-off")
            // CC 1 A then CV at 3.9 V with R = 50 mOhm: CC until 3 + s + 0.05 = 3.9 (s = 0.85): 0.65 x 2 Ah = 4680 s;
            // then I decays with tau = 3600 Q R / (dOCV/dSOC) = 360 s from 1 A to 0.2 A: 360 ln 5 = 579.4 s
            const q = new Pack({ ...lin, cellR0_Ohm: 0.05, initialSoc: 0.2 })
            await t.pause()
            const ttf = q.timeToFull_s(1, 3.9, 0.2, 0.01)
            assertNear(ttf, 4680 + 360 * Math.log(5), 0.001 * 5259, "time to full")
        })

        t.test("timeToEmpty and timeToFull of the full model agree with stepping the pack", async () => {
            // (socStep 0.02 keeps each projection inside one VM slice; the default 0.002 is finer)
            const pp = cellParams({ initialSoc: 0.6, thermalResistance_K_per_W: 3 })
            const p = new Pack(pp)
            const power = 15
            const projected = p.timeToEmpty_s(power, 3.0, 0.02)
            // step a copy at 5 s and the same constant power at the terminals, temperature held
            const s = p.clone()
            s.thermalEnabled = false
            let time = 0
            let steps = 0
            while (s.minCellVoltage_V() > 3.0 && time < 20000) {
                s.prepare(5)
                const e = s.theveninE_V
                const r = s.theveninR_Ohm
                s.step(5, (e - Math.sqrt(e * e - 4 * r * power)) / (2 * r))
                time += 5
                if (++steps % 30 === 0) await t.pause()
            }
            // about 0.6 x 3 Ah x 3.75 V / 15 W = 1620 s
            assertTrue(time > 1200 && time < 1800, "a real discharge: " + time + " s")
            assertNear(projected, time, 0.01 * time, "time to empty: projection vs stepping")
            assertNear(p.trueRemainingEnergy_Wh(power, 3.0, 0.02), (power * projected) / 3600, 1e-9, "remaining energy = P x time")
            await t.pause()
            assertTrue(p.timeToEmpty_s(30, 3.0, 0.02) < projected / 2, "twice the power: less than half the time")
            await t.pause()
            const cold = new Pack({ ...pp, initialTemperature_C: 0 })
            assertTrue(cold.timeToEmpty_s(power, 3.0, 0.02) < projected, "a cold pack reaches the cut-off sooner")
            await t.pause()
            // CC 1.5 A, CV at 4.2 V, until C/40 (the default I / 20): stepped at 5 s
            const ttf = p.timeToFull_s(1.5, 4.2, undefined, 0.02)
            await t.pause()
            const f = p.clone()
            f.thermalEnabled = false
            time = 0
            steps = 0
            while (time < 20000) {
                f.prepare(5)
                const c = f.cells[0]
                let x = (4.2 - c.e_V) / c.r_Ohm
                if (x > 1.5) x = 1.5
                if (x < 0.075) break
                f.step(5, -x)
                time += 5
                if (++steps % 30 === 0) await t.pause()
            }
            assertTrue(time > 0.4 * 3 / 1.5 * 3600, "longer than the CC part alone: " + time + " s")
            assertNear(ttf, time, 0.015 * time, "time to full: projection vs stepping")
        })

        t.test("energy: pack + charger = meters + path losses + quiescent; chemical energy = terminals + heat", async () => {
            const pack: PackParams = { chemistry: "NMC", series: 4, parallel: 2, cellCapacity_Ah: 4, cellR0_Ohm: 0.018, initialSoc: 0.6, wiring_Ohm: 0.01, model: "full" }
            const p = plantWith(pack, 2, { outputLossesHeatPack: false })
            assertNear(p.quiescent_A, 0.015, 1e-12, "full model: 15 mA quiescent by default")
            p.setLoad(0, { type: "resistive", ohms: 8 })
            p.setLoad(1, { type: "constant_power", watts: 30 })
            p.setSwitch(0, true)
            p.setSwitch(1, true)
            let loss = 0
            let chgQ = 0
            for (let s = 0; s < 400; s++) {
                if (s === 100) p.setCharger({ voltage_V: 16.8, current_A: 6 })
                if (s === 250) p.setSwitch(1, false)
                if (s === 300) p.setCharger(undefined)
                p.step(5)
                for (const o of p.outputs) loss += o.current_A * o.current_A * (R_SW + R_SH) * 5
                chgQ += p.chargerCurrent_A * 5
                if (s % 10 === 9) await t.pause()
            }
            const metered = p.outputs[0].meteredEnergy_J + p.outputs[1].meteredEnergy_J
            const inflow = p.pack.energyOut_J + p.chargerEnergy_J
            assertTrue(p.chargerEnergy_J > 50000, "the charger worked (" + p.chargerEnergy_J + " J)")
            assertTrue(p.quiescentEnergy_J > 50, "the quiescent draw counted (" + p.quiescentEnergy_J + " J)")
            assertNear(inflow, metered + loss + p.quiescentEnergy_J, 1e-9 * inflow, "bus energy balance")
            const q = p.outputs[0].meteredCharge_C + p.outputs[1].meteredCharge_C
            assertNear(p.pack.throughput_C, q + 0.015 * 2000 - chgQ, 1e-9 * q, "bus charge balance")
            // chemical: 4 groups x 8 Ah x integral of OCV over the SOC moved (charge inefficiency and
            // self-discharge end as heat) = terminal energy + heat in the cells and wiring
            const chem = 4 * 8 * 3600 * (await ocvIntegral(t, OCV_GRID_V["NMC"], p.pack.cellSoc(0), 0.6))
            assertNear(p.pack.energyOut_J + p.pack.heat_J, chem, 0.002 * Math.abs(p.pack.energyOut_J), "chemical energy vs terminals + heat")
            assertTrue(p.pack.heat_J > 100, "heat (" + p.pack.heat_J + " J)")
        })

        t.test("clone is deep; series counts 1 to 16 run", async () => {
            const p = new Pack({ ...cellParams({}), series: 3, spread: true, seed: 3 })
            p.step(10, 2)
            const c = p.clone()
            assertEq(c.cellSoc(1), p.cellSoc(1), "same state")
            assertEq(c.cells[1].v1, p.cells[1].v1, "same RC state")
            assertEq(c.cells[2].r0_Ohm, p.cells[2].r0_Ohm, "same spread")
            c.step(10, 2)
            assertTrue(c.cellSoc(1) < p.cellSoc(1), "the copy moves on its own")
            for (const n of [1, 2, 7, 16]) {
                const pl = plantWith({ ...cellParams({}), series: n, parallel: 2, spread: true, wiring_Ohm: 0.01 }, 1, {})
                pl.setLoad(0, { type: "constant_power", watts: 5 * n })
                pl.setSwitch(0, true)
                for (let s = 0; s < 20; s++) {
                    pl.step(1)
                    if (s % 4 === 3) await t.pause() // a 16S full-model step is ~8 K VM operations
                }
                assertEq(pl.pack.cellVoltages_V().length, n, n + "S: cell voltages")
                assertTrue(pl.outputs[0].current_A > 1.2 && pl.outputs[0].current_A < 1.5, n + "S: current " + pl.outputs[0].current_A)
                let lo = 1
                let hi = 0
                for (const c of pl.pack.cells) {
                    if (c.soc < lo) lo = c.soc
                    if (c.soc > hi) hi = c.soc
                }
                const ts = pl.pack.trueSoc()
                assertTrue(ts >= lo - 1e-12 && ts <= hi + 1e-12 && lo > 0.4 && hi < 0.6, n + "S: true SOC " + ts + " within the cells' " + lo + " .. " + hi)
                await t.pause()
            }
        })
    })
}

/** The AFE's FETs in the pack path (the board drives them: test/spec/pack_path.spec.ts). */
export const plantPackFetsSpec: Spec = (t: TestApi) => {
    t.describe("plant: the pack FETs", () => {
        t.test("DSG off: no discharge (outputs and the box's draw unpowered), a charger still charges; CHG off: the reverse", async () => {
            const p = makePlant(1, 0.8)
            p.quiescent_A = 0.02
            p.setSwitch(0, true)
            p.setLoad(0, { type: "resistive", ohms: 8 })
            p.step(0.1)
            assertTrue(p.outputs[0].current_A > 1.9, "both on: the load runs (" + p.outputs[0].current_A + " A)")
            p.setPackFets(true, false)
            const soc = p.pack.meanSoc()
            p.step(0.1)
            assertEq(p.outputs[0].current_A, 0, "DSG off: no output current")
            assertEq(p.quiescentCurrent_A, 0, "nor the box's own draw")
            assertEq(p.packCurrent_A, 0, "the pack delivers nothing")
            assertEq(p.bus_V, 0, "the bus is dead")
            assertEq(p.outputs[0].meterVoltage_V, 0, "the meter sees no voltage")
            assertEq(p.pack.meanSoc(), soc, "SOC unchanged")
            // a charger that can carry the load: it runs the outputs and charges through the DSG body diode
            p.setLoad(0, { type: "resistive", ohms: 16 })
            p.setCharger({ voltage_V: 16.8, current_A: 2 })
            p.step(0.1)
            assertTrue(p.packCurrent_A < -0.5, "charging with DSG off: " + p.packCurrent_A + " A")
            assertTrue(p.outputs[0].current_A > 0.9, "the output runs from the charger")
            assertNear(p.chargerCurrent_A, 2, 1e-9, "charger at its limit (CC)")
            // a charger too weak for the load cannot hold the bus when the pack may not help
            p.setLoad(0, { type: "resistive", ohms: 4 })
            p.step(0.1)
            assertEq(p.packCurrent_A, 0, "no discharge with DSG off")
            assertEq(p.outputs[0].current_A, 0, "the overloaded bus collapses")
            // CHG off: the charger cannot push current in; the pack still discharges into the load
            p.setPackFets(false, true)
            p.setLoad(0, { type: "none" })
            p.step(0.1)
            assertEq(p.packCurrent_A, 0, "CHG off: no charge current")
            assertNear(p.bus_V, 16.8, 1e-9, "the charger holds the bus")
            assertNear(p.chargerCurrent_A, 0.02, 1e-9, "and feeds only the box's draw")
            p.setCharger(undefined)
            p.setLoad(0, { type: "resistive", ohms: 8 })
            p.step(0.1)
            assertTrue(p.packCurrent_A > 1.9, "discharge flows with CHG off (body diode): " + p.packCurrent_A)
            p.setPackFets(false, false)
            p.step(0.1)
            assertEq(p.packCurrent_A, 0, "both off: nothing")
            assertEq(p.outputs[0].current_A, 0, "output dead")
        })
    })
}
