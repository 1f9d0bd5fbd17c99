// The battery estimator's golden trace: inputs recorded from a plant run (the AFE's readings and the
// output meters' charge, as integers so both runtimes read the very same numbers), replayed through the
// production estimator; the outputs are compared with the committed ones from Node. Regenerate with
// `npm run golden:update` after a deliberate change, and review the diff.
import { BatteryEstimator, BatteryInputs, advanceRuntimeWalk, defaultEstimatorConfig, startRuntimeWalk } from "../../src/core/battery/estimator"
import { referencePackConfig } from "../../src/core/battery/pack_config"
import { RUNTIME_STEPS_PER_SLICE } from "../../src/core/battery/runtime"

/** One recorded step, as integers: dt in 0.1 s, current mA, charge in 0.25 mC, the outputs' charge in mC (or
 * "n": unknown), temperature in 0.01 °C, then each group's voltage in mV. Time is the sum of the dts. */
export function encodeInputs(x: BatteryInputs): string {
    const out = [Math.round(x.dt_s * 10), Math.round(x.current_A * 1000), Math.round(x.charge_C * 4000), x.outputs_C === x.outputs_C ? "" + Math.round(x.outputs_C * 1000) : "n", Math.round(x.temp_C * 100)]
    for (const v of x.cell_mV) out.push(Math.round(v))
    return out.join(",")
}

export function decodeInputs(line: string, t_ms: number): BatteryInputs {
    const f = line.split(",")
    const cells: number[] = []
    for (let i = 5; i < f.length; i++) cells.push(parseInt(f[i]))
    const dt_s = parseInt(f[0]) / 10
    return {
        t_ms: t_ms + dt_s * 1000,
        dt_s,
        current_A: parseInt(f[1]) / 1000,
        charge_C: parseInt(f[2]) / 4000,
        outputs_C: f[3] === "n" ? NaN : parseInt(f[3]) / 1000,
        temp_C: parseInt(f[4]) / 100,
        cell_mV: cells,
    }
}

/** Replays recorded steps; one output line per step: SOC and its sigma (ppm), weakest capacity (µAh), TTE (s). */
export async function runBatteryTrace(inputs: string[], pause: () => Promise<void>): Promise<number[][]> {
    const est = new BatteryEstimator(referencePackConfig(), defaultEstimatorConfig())
    const out: number[][] = []
    let t_ms = 0
    let k = 0
    // One chunk at a time, with a yield after each split: DeviceScript's split is slow bytecode.
    for (const chunk of inputs) {
        const lines = chunk.split(";")
        await pause()
        for (const line of lines) {
            const x = decodeInputs(line, t_ms)
            t_ms = x.t_ms
            const e = est.step(x)
            // The walk a slice at a time, as the supervisor runs it.
            let done = !startRuntimeWalk(est, x.t_ms, x.temp_C)
            while (!done) {
                await pause()
                done = advanceRuntimeWalk(est, RUNTIME_STEPS_PER_SLICE)
            }
            let q = est.learner.q_Ah[0]
            for (const v of est.learner.q_Ah) if (v < q) q = v
            out.push([Math.round(e.soc * 1e6), Math.round(e.sigma * 1e6), Math.round(q * 1e6), Math.round(est.estimate().tte_s)])
            if (++k % 4 === 0) await pause()
        }
    }
    return out
}
