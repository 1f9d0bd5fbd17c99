// npm run bench:soc -- [scenario.json ...] [--json] [--mode ekf|anchors]
// Runs each scenario (default: sim/scenarios/soc/*.json) through the plant, the emulated AFE and meters,
// the production drivers and the supervisor's estimator in Node, and scores against the plant's truth:
//   soc_rmse_pct, soc_max_err_pct   state of charge vs the true usable-window SOC, every minute
//                                  (soc_max_err_known_pct: the maximum once the firmware called its SOC known)
//   capacity_err_pct               the weakest group's learned capacity at the end vs its true capacity
//                                  (window_capacity_err_pct: the usable window now, which also depends on how the
//                                  groups' charges line up)
//   tte_err_pct                    mean |time to empty - true remaining time| / true, sampled while discharging
//                                  above C/20
//                                  and judged after the fact: the truth is when the weakest cell really reached
//                                  the cut-off (samples with less than 10 minutes left are not scored)
//   baseline_voltage_soc_rmse_pct  SOC from the loaded cell voltage through the OCV table (a cheap power bank)
//   baseline_cc_soc_rmse_pct       coulomb counting from a first voltage guess with the label capacity and the
//                                  raw sensor, no sync, no learning
// plus band_coverage_pct (how often the truth lay inside the firmware's 95 % band) and unknown_pct (how long
// the firmware said "unknown"). With --json: one JSON object per scenario per line.
import * as fs from "fs"
import * as path from "path"
import { parseScenario, Scenario } from "../sim/runner/scenario"
import { applyEvent, scenarioRig } from "../sim/runner/run_scenario"
import { chemistryById, socAtOcv } from "../src/core/battery/chemistry"

const SAMPLE_S = 60

interface Sample {
    t_s: number
    truth: number
    est: number
    low: number
    high: number
    known: boolean
    voltageSoc: number
    ccSoc: number
    tte_s: number
    charging: boolean
    /** Under a real load (above C/20), not idling on the quiescent draw. */
    discharging: boolean
    power_W: number
}

function clamp01(x: number): number {
    return x < 0 ? 0 : x > 1 ? 1 : x
}

function rms(xs: number[]): number {
    let s = 0
    for (const x of xs) s += x * x
    return xs.length ? Math.sqrt(s / xs.length) : NaN
}

function round(x: number, d: number): number {
    const k = Math.pow(10, d)
    return Math.round(x * k) / k
}

export async function benchScenario(s: Scenario): Promise<any> {
    const wall0 = performance.now()
    const rig = await scenarioRig(s)
    const plant = rig.world.plant
    const afe = rig.world.board.afe
    const chem = chemistryById(s.firmwarePack.chemistry)
    const cutoff_V = chem.cutoff_mV / 1000
    const nominal_Ah = (s.firmwarePack.cellCapacity_mAh * s.firmwarePack.parallel) / 1000
    const samples: Sample[] = []
    const empties: number[] = []
    let belowCutoff = false
    let ccSoc = NaN
    let lastPassq = afe.passqCharge_C()
    let nextEvent = 0
    let t = 0
    while (t < s.duration_s) {
        const next = Math.min(s.duration_s, t + SAMPLE_S)
        // Apply events due before the next sample, at their times.
        while (nextEvent < s.events.length && s.events[nextEvent].at_s <= next) {
            const e = s.events[nextEvent]
            const at_ms = Math.round(e.at_s * 1000)
            if (at_ms > rig.t_ms) await rig.advance(at_ms - rig.t_ms)
            applyEvent(rig, e)
            nextEvent++
        }
        const target_ms = Math.round(next * 1000)
        if (target_ms > rig.t_ms) await rig.advance(target_ms - rig.t_ms)
        t = next
        // The moment the weakest cell reaches the cut-off under load: the truth behind time-to-empty.
        const vMin = plant.pack.minCellVoltage_V()
        if (plant.packCurrent_A > 0.05 && vMin <= cutoff_V && !belowCutoff) {
            belowCutoff = true
            empties.push(t)
        }
        if (vMin > cutoff_V + 0.1) belowCutoff = false
        const b = rig.last.battery
        if (b.cells_mV.length === 0) continue
        let sum = 0
        for (const v of b.cells_mV) sum += v
        const avg = sum / b.cells_mV.length
        // Baseline (b): first voltage guess, then raw counted charge over the label capacity.
        const q = afe.passqCharge_C() // the chip's sign: charge positive
        if (!(ccSoc === ccSoc)) ccSoc = clamp01(socAtOcv(chem, avg))
        else ccSoc += (q - lastPassq) / 3600 / nominal_Ah
        lastPassq = q
        samples.push({
            t_s: t,
            truth: plant.pack.trueSoc(),
            est: b.soc_pm / 1000,
            low: b.socLow_pm / 1000,
            high: b.socHigh_pm / 1000,
            known: b.status === "known",
            voltageSoc: clamp01(socAtOcv(chem, avg)),
            ccSoc: clamp01(ccSoc),
            tte_s: b.tte_s,
            charging: plant.packCurrent_A < -0.05,
            discharging: plant.packCurrent_A > 0.05 * nominal_Ah,
            power_W: plant.bus_V * plant.packCurrent_A,
        })
    }
    const err = samples.map(x => (x.est - clamp01(x.truth)) * 100)
    let maxErr = 0
    for (const e of err) if (Math.abs(e) > maxErr) maxErr = Math.abs(e)
    // The same once the firmware called its SOC known (before that it shows a band, not a number).
    let maxKnown = 0
    for (let k = 0; k < err.length; k++) if (samples[k].known && Math.abs(err[k]) > maxKnown) maxKnown = Math.abs(err[k])
    let inside = 0
    let unknown = 0
    for (const x of samples) {
        const tr = clamp01(x.truth)
        if (tr >= x.low - 0.0005 && tr <= x.high + 0.0005) inside++
        if (!x.known) unknown++
    }
    // Time to empty, judged after the fact: each stretch of continuous discharge that ran into the cut-off
    // is scored, every sample against the moment the weakest cell actually got there. Stretches that ended
    // otherwise (the load switched off, a charger plugged in) have no truth and are not scored. A stretch
    // is "steady" when its power varied by less than 10 % (coefficient of variation), else "variable".
    const tteSteady: number[] = []
    const tteVariable: number[] = []
    let i = 0
    while (i < samples.length) {
        if (!samples[i].discharging) {
            i++
            continue
        }
        let j = i
        while (j + 1 < samples.length && samples[j + 1].discharging) j++
        const empty = empties.find(e => e > samples[i].t_s && e <= samples[j].t_s + SAMPLE_S)
        if (empty !== undefined) {
            let m = 0
            for (let k = i; k <= j; k++) m += samples[k].power_W
            m /= j - i + 1
            let v = 0
            for (let k = i; k <= j; k++) v += (samples[k].power_W - m) * (samples[k].power_W - m)
            const steady = Math.sqrt(v / (j - i + 1)) / m < 0.1
            for (let k = i; k <= j; k++) {
                const x = samples[k]
                const truth = empty - x.t_s
                if (!(x.tte_s > 0) || truth < 600) continue
                ;(steady ? tteSteady : tteVariable).push(Math.abs(x.tte_s - truth) / truth)
            }
        }
        i = j + 1
    }
    const mean = (xs: number[]) => (xs.length ? round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100, 2) : null)
    const tteErr = tteSteady.concat(tteVariable)
    const b = rig.last.battery
    const trueCap = plant.pack.trueCapacity_Ah() * 1000
    // Learned capacity: the weakest group's, against the weakest group's truth (what SOH is made of).
    const est = rig.sup.battery.est
    let qEst = 1e9
    let qTrue = 1e9
    for (let i = 0; i < est.learner.q_Ah.length; i++) {
        if (est.learner.q_Ah[i] < qEst) qEst = est.learner.q_Ah[i]
        if (plant.pack.cellCapacity_Ah(i) < qTrue) qTrue = plant.pack.cellCapacity_Ah(i)
    }
    return {
        scenario: s.name,
        chemistry: s.firmwarePack.chemistry,
        estimator: s.estimatorMode,
        soc_rmse_pct: round(rms(err), 2),
        soc_max_err_pct: round(maxErr, 2),
        soc_max_err_known_pct: round(maxKnown, 2),
        capacity_err_pct: round(((qEst - qTrue) / qTrue) * 100, 2),
        window_capacity_err_pct: round(((b.capacity_mAh - trueCap) / trueCap) * 100, 2),
        tte_err_pct: mean(tteErr),
        tte_steady_err_pct: mean(tteSteady),
        tte_variable_err_pct: mean(tteVariable),
        baseline_voltage_soc_rmse_pct: round(rms(samples.map(x => (x.voltageSoc - clamp01(x.truth)) * 100)), 2),
        baseline_cc_soc_rmse_pct: round(rms(samples.map(x => (x.ccSoc - clamp01(x.truth)) * 100)), 2),
        band_coverage_pct: round((inside / samples.length) * 100, 1),
        unknown_pct: round((unknown / samples.length) * 100, 1),
        tte_samples: tteErr.length,
        capacity_learned: b.health_pm > 0,
        health_pct: round(b.health_pm / 10, 1),
        current_offset_mA: round(b.offset_uA / 1000, 2),
        current_gain_pct: round(b.gain_ppm / 10000, 3),
        simulated_h: round(s.duration_s / 3600, 1),
        wall_s: round((performance.now() - wall0) / 1000, 2),
    }
}

async function main(): Promise<void> {
    const args = process.argv.slice(2)
    const json = args.includes("--json")
    const mi = args.indexOf("--mode")
    const mode = mi >= 0 ? args[mi + 1] : undefined
    let files = args.filter((a, i) => !a.startsWith("--") && !(mi >= 0 && i === mi + 1))
    if (files.length === 0) {
        const dir = path.join(__dirname, "..", "sim", "scenarios", "soc")
        files = fs.readdirSync(dir).filter(f => f.endsWith(".json")).sort().map(f => path.join(dir, f))
    }
    for (const f of files) {
        const s = parseScenario(JSON.parse(fs.readFileSync(f, "utf8")), 1)
        if (mode) s.estimatorMode = mode
        const r = await benchScenario(s)
        if (json) console.log(JSON.stringify(r))
        else
            console.log(
                `${r.scenario.padEnd(18)} ${r.chemistry} SOC rmse ${r.soc_rmse_pct} max ${r.soc_max_err_pct} (known ${r.soc_max_err_known_pct}) | capacity ${r.capacity_err_pct} % (window ${r.window_capacity_err_pct} %) | tte steady ${r.tte_steady_err_pct} % variable ${r.tte_variable_err_pct} % (${r.tte_samples}) | baselines: voltage ${r.baseline_voltage_soc_rmse_pct}, cc ${r.baseline_cc_soc_rmse_pct} | band ${r.band_coverage_pct} % | unknown ${r.unknown_pct} % | offset ${r.current_offset_mA} mA gain ${r.current_gain_pct} % | ${r.wall_s} s`,
            )
    }
}

main().catch(e => {
    console.error(e && e.stack ? e.stack : e)
    process.exit(1)
})
