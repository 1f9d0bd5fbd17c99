// Run by tools/bench_tick.ts in the VM (not under --test, so without the test runner's GC stress).
// ds.millis() only advances at scheduling points, so ticks are timed in batches that end with a yield,
// against an identical baseline loop without the tick; the difference is the tick's cost.
import * as ds from "@devicescript/core"
import { Rig } from "../../sim/board/rig"

const BATCHES = 60
const TICKS_PER_BATCH = 5
const STEPS_PER_TICK = 10

async function loop(rig: Rig, withTick: boolean): Promise<number> {
    await ds.sleep(0)
    const t0 = ds.millis()
    for (let b = 0; b < BATCHES; b++) {
        for (let k = 0; k < TICKS_PER_BATCH; k++) {
            for (let s = 0; s < STEPS_PER_TICK; s++) rig.world.step(0.01)
            rig.t_ms += 100
            if (withTick) await rig.sup.tick(rig.t_ms)
        }
        await ds.sleep(0)
    }
    return ds.millis() - t0
}

async function main() {
    const rig = new Rig()
    rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
    await rig.boot()
    rig.submit({ kind: "channel.enable", channel: 0, on: true })
    await loop(rig, true) // warm up, and the output is on from here
    const base = await loop(rig, false)
    const withTick = await loop(rig, true)
    const ticks = BATCHES * TICKS_PER_BATCH
    const perTick = (withTick - base) / ticks
    console.log("BENCH_VM " + JSON.stringify({ ticks, base_ms: base, with_tick_ms: withTick, tick_us: Math.round(perTick * 1000), state: rig.last.channels[0].state }))
}

await main()
