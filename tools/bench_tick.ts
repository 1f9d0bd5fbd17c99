// npm run bench:tick [-- --json]
// 1. The golden trace (the production supervisor and drivers, one output, 10 s of box time in 100 ms ticks,
//    against its recorded chip answers) timed in the DeviceScript VM and in Node in the same run; the
//    figure that matters is the ratio. Per tick = the whole run over its ticks, the replay bus included.
// 2. Simulated seconds per wall second of the headless scenario runner on the shipped scenarios.
// 3. Bytecode size per board build.
// The VM part needs the devtools hub (port 8081): started here if free, so no other simulator may run.
import * as fs from "fs"
import * as path from "path"
import { Rig } from "../sim/board/rig"
import { GOLDEN_DURATION_MS, runGoldenTrace } from "../test/golden/skeleton_trace"
import { SKELETON_REQUESTS, SKELETON_TRANSCRIPT } from "../test/golden/skeleton_expected"
import { parseScenario } from "../sim/runner/scenario"
import { runScenario } from "../sim/runner/run_scenario"
import { ProcessGroup, ROOT, startHub } from "../sim/app/processes"
import { buildAll } from "./build_boards"

/** The golden trace in Node, best of `runs` (after a JIT warm-up), ms. */
async function nodeGolden_ms(runs: number): Promise<number> {
    let best = 1e9
    for (let k = 0; k < runs + 3; k++) {
        const t0 = process.hrtime.bigint()
        await runGoldenTrace(SKELETON_REQUESTS, SKELETON_TRANSCRIPT, async () => {})
        const ms = Number(process.hrtime.bigint() - t0) / 1e6
        if (k >= 3 && ms < best) best = ms
    }
    return best
}

async function vmTick(): Promise<any> {
    const group = new ProcessGroup()
    try {
        await startHub(group)
        const lines: string[] = []
        group.devs("bench", ["run", "tools/vm/bench_tick.ts"], l => lines.push(l))
        const end = Date.now() + 180000
        while (Date.now() < end) {
            const hit = lines.find(l => l.includes("BENCH_VM "))
            if (hit) return JSON.parse(hit.slice(hit.indexOf("BENCH_VM ") + 9))
            const bad = lines.find(l => /Unhandled exception|PANIC|error TS/.test(l))
            if (bad) throw new Error("VM bench failed: " + bad)
            await new Promise(r => setTimeout(r, 100))
        }
        throw new Error("VM bench timed out")
    } finally {
        await group.killAll()
    }
}

async function main(): Promise<void> {
    const json = process.argv.includes("--json")
    const vm = await vmTick()
    const ticks = GOLDEN_DURATION_MS / new Rig().cfg.tick_ms
    const vm_us = Math.round((vm.best_ms / ticks) * 1000)
    const node_us = ((await nodeGolden_ms(vm.runs)) / ticks) * 1000
    const scen: { scenario: string; simulated_s: number; wall_s: number; sim_speed_x: number }[] = []
    const dir = path.join(ROOT, "sim", "scenarios")
    for (const f of fs.readdirSync(dir).filter(x => x.endsWith(".json")).sort()) {
        const r = await runScenario(parseScenario(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")), 1))
        scen.push({ scenario: r.scenario, simulated_s: r.simulated_s, wall_s: r.wall_s, sim_speed_x: r.sim_speed_x })
    }
    const builds = buildAll().map(b => ({ board: b.board, ok: b.ok, bytecode_bytes: b.bytecode_bytes, function_bytes: b.function_bytes }))
    const result = {
        tick_vm_us: vm_us,
        tick_node_us: Math.round(node_us * 10) / 10,
        tick_vm_over_node: Math.round((vm_us / node_us) * 10) / 10,
        tick_period_ms: new Rig().cfg.tick_ms,
        tick_vm_share_of_period_pct: Math.round((vm_us / 1000 / new Rig().cfg.tick_ms) * 1000) / 10,
        vm_ticks_timed: ticks * vm.runs,
        runner: scen,
        builds,
    }
    if (!json) {
        console.log(`supervisor tick (the golden trace: 1 output, on, tripped, re-armed; recorded chip answers replayed):`)
        console.log(`  VM   ${result.tick_vm_us} us per tick (best of ${vm.runs} runs of ${ticks} ticks, replay included)`)
        console.log(`  Node ${result.tick_node_us} us per tick`)
        console.log(`  VM / Node = ${result.tick_vm_over_node}x; in the VM a tick uses ${result.tick_vm_share_of_period_pct} % of its ${result.tick_period_ms} ms period (real I2C adds its own time on hardware)`)
        console.log(`headless scenario runner (Node):`)
        for (const s of scen) console.log(`  ${s.scenario.padEnd(24)} ${String(s.simulated_s).padStart(7)} s simulated in ${s.wall_s} s = ${s.sim_speed_x}x real time`)
        console.log(`bytecode per board:`)
        for (const b of builds) console.log(`  ${b.board.padEnd(16)} ${b.ok ? b.bytecode_bytes + " bytes, functions " + b.function_bytes + " of 65536" : "BUILD FAILED"}`)
    }
    console.log(JSON.stringify(result))
    process.exit(builds.every(b => b.ok) ? 0 : 1)
}

main().catch(e => {
    console.error(e && e.stack ? e.stack : e)
    process.exit(1)
})
