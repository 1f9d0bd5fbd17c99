// Run by tools/bench_tick.ts in the VM (not under --test, so without the test runner's GC stress).
// The golden trace: the production supervisor and drivers (one output, switched on, tripped, re-armed)
// against the recorded chip answers, so the image holds the firmware only (firmware and emulated board
// together no longer fit one image). Timed whole, replay included; Node runs the same for the ratio.
import * as ds from "@devicescript/core"
import { runGoldenTrace } from "../../test/golden/skeleton_trace"
import { SKELETON_REQUESTS, SKELETON_TRANSCRIPT } from "../../test/golden/skeleton_expected"

const RUNS = 3

async function main() {
    const pause = async () => {
        await ds.sleep(0)
    }
    let best = 1e9
    let ticks = 0
    for (let k = 0; k < RUNS; k++) {
        await ds.sleep(0)
        const t0 = ds.millis()
        const r = await runGoldenTrace(SKELETON_REQUESTS, SKELETON_TRANSCRIPT, pause)
        const dt = ds.millis() - t0
        if (dt < best) best = dt
        ticks = r.lines.length
    }
    console.log("BENCH_VM " + JSON.stringify({ runs: RUNS, best_ms: best, lines: ticks }))
}

await main()
