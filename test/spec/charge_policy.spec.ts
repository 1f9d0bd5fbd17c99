// Charging, portable parts: the charge decision (temperature windows, ceiling, full-by, recalibration,
// tail termination, recharge threshold, sharing the input with the outputs) and balancing (charge-based at
// rest, voltage-based near full, never adjacent cells, temperature limits). Shared: VM group "charging" and Node.
import { chemistryById } from "../../src/core/battery/chemistry"
import { COLD_C, ChargeInputs, ChargeMemory, ChargeSettings, DEFAULT_CEILING_pm, RECAL_FULL_ms, STANDARD_C, decideCharge, tempRate_C } from "../../src/core/charging/charge_policy"
import { BLEED_mA, BalanceInputs, BalancePlan, EXCESS_MIN_mAh, balanceStep, chooseBleed } from "../../src/core/charging/balance"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

const DAY_ms = 86400000

/** A 4S2P 8 Ah NMC pack half full at 25 °C, a 100 W input, nothing on the outputs, fully charged a day ago. */
function inputs(): ChargeInputs {
    return { now_ms: 10 * DAY_ms, series: 4, capacity_mAh: 8000, soc_pm: 500, cellMax_mV: 3840, temp_C: 25, charge_mA: 0, lastFull_ms: 9 * DAY_ms, input_mW: 100000, outputs_mW: 0, efficiency: 0.9, held: false }
}

function settings(): ChargeSettings {
    return { ceiling_pm: DEFAULT_CEILING_pm, fullBy_ms: -1 }
}

function fresh(): ChargeMemory {
    return { done: false }
}

function balance(soc: number[], mV: number[], atRest: boolean, charging: boolean, temp_C: number): BalanceInputs {
    return { soc, capacity_mAh: soc.map(() => 4000), sigma: [], cell_mV: mV, atRest, charging, maxCharge_mV: 4200, temp_C }
}

function bits(mask: number, n: number): string {
    let s = ""
    for (let i = 0; i < n; i++) s += ((mask >> i) & 1) !== 0 ? "1" : "0"
    return s
}

export const chargePolicySpec: Spec = (t: TestApi) => {
    const nmc = chemistryById("NMC")
    const lfp = chemistryById("LFP")

    t.describe("charging: the charge decision", () => {
        t.test("temperature: LFP never below 0 °C; 0.2 C when cold; half rate near the top of the window", async () => {
            assertEq(tempRate_C(lfp, -0.5), 0, "LFP at -0.5 °C")
            assertEq(tempRate_C(lfp, 5), COLD_C, "LFP at 5 °C")
            assertEq(tempRate_C(nmc, 25), STANDARD_C, "NMC at 25 °C")
            assertEq(tempRate_C(nmc, 42), STANDARD_C / 2, "NMC at 42 °C")
            assertEq(tempRate_C(nmc, 46), 0, "NMC at 46 °C")
            const inp = inputs()
            inp.temp_C = -3
            const d = decideCharge(lfp, settings(), inp, fresh())
            assertEq(d.charge + " " + d.phase, "false too cold", "refused: " + d.reason)
            assertTrue(d.reason.indexOf("-3 °C") >= 0, "says the temperature: " + d.reason)
        })

        t.test("default: CC at 0.5 C to the long-life ceiling, constant voltage just above its OCV, then done", async () => {
            const mem = fresh()
            const d = decideCharge(nmc, settings(), inputs(), mem)
            assertEq(d.charge + " " + d.phase + " " + d.current_mA, "true charging 4000", "0.5 C of 8 Ah")
            assertTrue(d.cell_mV < 4100 && d.cell_mV > 4000, "constant voltage below the 4.1 V long-life voltage: " + d.cell_mV)
            assertEq(d.pack_mV, d.cell_mV * 4, "pack voltage")
            const at = inputs()
            at.soc_pm = 800
            const e = decideCharge(nmc, settings(), at, mem)
            assertEq(e.charge + " " + e.phase, "false done", "stops at 80 %: " + e.reason)
            at.soc_pm = 770
            assertEq(decideCharge(nmc, settings(), at, mem).charge, false, "no restart 3 % below")
            at.soc_pm = 740
            assertEq(decideCharge(nmc, settings(), at, mem).charge, true, "restarts 6 % below the ceiling")
        })

        t.test("full charge: to the maximum voltage, ends at the C/20 tail, restarts only well below", async () => {
            const s = settings()
            s.ceiling_pm = 1000
            const mem = fresh()
            const inp = inputs()
            inp.soc_pm = 990
            inp.cellMax_mV = 4195
            inp.charge_mA = 600
            const d = decideCharge(nmc, s, inp, mem)
            assertEq(d.cell_mV + " " + d.phase, "4200 topping", "CV at 4.2 V, still above the tail")
            inp.charge_mA = 390
            assertEq(decideCharge(nmc, s, inp, mem).phase, "done", "C/20 = 400 mA reached")
            inp.charge_mA = 0
            inp.cellMax_mV = 4150
            inp.soc_pm = 985
            assertEq(decideCharge(nmc, s, inp, mem).charge, false, "no top-up trickle")
        })

        t.test("recalibration: a full charge when the last full anchor is a month old (or never)", async () => {
            const inp = inputs()
            inp.lastFull_ms = inp.now_ms - RECAL_FULL_ms
            const d = decideCharge(nmc, settings(), inp, fresh())
            assertEq(d.target_pm + " " + d.cell_mV, "1000 4200", "full")
            assertTrue(d.reason.indexOf("calibrate the state of charge") >= 0, d.reason)
            inp.lastFull_ms = NaN
            assertEq(decideCharge(nmc, settings(), inp, fresh()).target_pm, 1000, "never full: full now")
            // Restored after a restart: five hours before this boot is negative box time, and recent.
            inp.now_ms = 60000
            inp.lastFull_ms = 60000 - 5 * 3600000
            assertEq(decideCharge(nmc, settings(), inp, fresh()).target_pm, 800, "full 5 h ago, before a restart: the owner's ceiling")
        })

        t.test("full by a time: waits at the ceiling, then starts early enough to finish", async () => {
            const s = settings()
            const inp = inputs()
            inp.soc_pm = 800
            s.fullBy_ms = inp.now_ms + 12 * 3600000
            const mem = fresh()
            const w = decideCharge(nmc, s, inp, mem)
            assertEq(w.charge + " " + w.phase, "false waiting", "12 h ahead: " + w.reason)
            // 20 % of 8 Ah at 4 A is 24 min, plus the 30 min margin: at 50 min left it must be charging.
            inp.now_ms = s.fullBy_ms - 50 * 60000
            const d = decideCharge(nmc, s, inp, mem)
            assertEq(d.charge + " " + d.target_pm, "true 1000", "started: " + d.reason)
        })

        t.test("input shared: the outputs first, the charger gets the rest; a held charge stays off", async () => {
            const inp = inputs()
            inp.input_mW = 30000
            inp.outputs_mW = 20000
            const d = decideCharge(nmc, settings(), inp, fresh())
            // (30 W x 0.9 - 20 W) / (4 x ~4.06 V) = about 430 mA
            assertTrue(d.current_mA > 400 && d.current_mA < 460, "share: " + d.current_mA + " mA")
            inp.outputs_mW = 40000
            const e = decideCharge(nmc, settings(), inp, fresh())
            assertEq(e.current_mA + " " + e.charge, "0 false", "outputs take it all: " + e.reason)
            const h = inputs()
            h.held = true
            assertEq(decideCharge(nmc, settings(), h, fresh()).phase, "held", "protection")
            const n = inputs()
            n.input_mW = 0
            assertEq(decideCharge(nmc, settings(), n, fresh()).phase, "no input", "no charger")
        })
    })

    t.describe("charging: balancing", () => {
        t.test("never two adjacent cells; the largest excess first; alternating ties", async () => {
            assertEq(bits(chooseBleed([5, 9, 5, 0], 25, 0), 4), "0100", "cell 1's neighbours wait")
            assertEq(bits(chooseBleed([5, 1, 5, 1, 5], 25, 0), 5), "10101", "every other cell at once")
            const a = chooseBleed([3, 3, 0, 0], 25, 0)
            const b = chooseBleed([3, 3, 0, 0], 25, 1)
            assertTrue(a !== b && (a === 1 || a === 2) && (b === 1 || b === 2), "neighbours take turns: " + a + "/" + b)
        })

        t.test("temperature: one cell at a time when warm, none when hot", async () => {
            assertEq(bits(chooseBleed([5, 0, 5, 0], 48, 0), 4), "1000", "one cell at 48 °C")
            assertEq(chooseBleed([5, 0, 5, 0], 56, 0), 0, "none at 56 °C")
        })

        t.test("charge-based at rest: bleeds each cell's excess charge, then stops", async () => {
            const p = new BalancePlan()
            // Cell 2 is 1 % above the others: 40 mAh of 4 Ah. At 50 mA it bleeds until it is within the dead
            // band of EXCESS_MIN_mAh: (40 - 4) mAh / 50 mA = 43 min.
            const rest = balance([0.5, 0.5, 0.51, 0.5], [3838, 3838, 3840, 3838], true, false, 25)
            assertEq(bits(balanceStep(p, rest, 1), 4), "0010", "cell 2 bleeds")
            const load = balance([0.5, 0.5, 0.51, 0.5], [3700, 3700, 3702, 3700], false, false, 25)
            let minutes = 0
            while (balanceStep(p, load, 60) !== 0 && minutes < 120) minutes++
            const expect_min = ((40 - EXCESS_MIN_mAh) / BLEED_mA) * 60
            assertTrue(Math.abs(minutes + 1 - expect_min) <= 1, "bled for " + (minutes + 1) + " min, expected " + expect_min)
            assertTrue(Math.abs(p.bled_mWh - (40 - EXCESS_MIN_mAh) * 3.702) < 4, "energy burnt " + p.bled_mWh + " mWh")
        })

        t.test("an estimated SOC is bled only for what the estimate is sure of (no bleeding on noise)", async () => {
            const p = new BalancePlan()
            const inp = balance([0.5, 0.5, 0.51, 0.5], [3838, 3838, 3840, 3838], true, false, 25)
            // 1 % apart with a 1 % sigma per cell: the difference is within the noise, nothing is planned.
            inp.sigma = [0.01, 0.01, 0.01, 0.01]
            assertEq(balanceStep(p, inp, 1), 0, "within the noise: no bleed")
            // 0.2 % sigma: 40 mAh less 4000 x 0.002 x sqrt(2) = 11.3 mAh of doubt leaves 28.7 mAh to bleed.
            inp.sigma = [0.002, 0.002, 0.002, 0.002]
            assertEq(bits(balanceStep(p, inp, 1), 4), "0010", "sure enough: cell 2 bleeds")
            assertTrue(Math.abs(p.excess_mAh[2] - (40 - 8 * Math.SQRT2)) < 0.01, "excess " + p.excess_mAh[2])
        })

        t.test("aligned at the top: a smaller cell at the same SOC bleeds what it would otherwise be ahead by at full", async () => {
            const p = new BalancePlan()
            const inp = balance([0.5, 0.5, 0.5, 0.5], [3838, 3838, 3838, 3838], true, false, 25)
            inp.capacity_mAh = [4000, 3800, 4000, 4000]
            assertEq(bits(balanceStep(p, inp, 1), 4), "0100", "the 3.8 Ah cell")
            // It needs 1900 mAh to be full, the others 2000: it bleeds the 100 mAh difference.
            assertTrue(Math.abs(p.excess_mAh[1] - 100) < 1e-6, "excess " + p.excess_mAh[1])
        })

        t.test("voltage-based near full while charging; nothing on voltages under load far from the top", async () => {
            const p = new BalancePlan()
            assertEq(balanceStep(p, balance([0.9, 0.9, 0.9, 0.9], [4000, 4012, 4000, 4000], false, true, 25), 1), 0, "mid-charge: voltages under current are not trusted")
            assertEq(bits(balanceStep(p, balance([0.99, 0.99, 0.99, 0.99], [4180, 4195, 4181, 4183], false, true, 25), 1), 4), "0100", "at the top: the high cell")
        })
    })
}
