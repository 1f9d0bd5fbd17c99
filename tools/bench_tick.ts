// npm run bench:tick [-- --json]
// 1. The supervisor tick (production driver + core against the emulated board, one channel on) timed in
//    the DeviceScript VM and in Node in the same run; the figure that matters is the ratio.
// 2. Simulated seconds per wall second of the headless scenario runner on the shipped scenarios.
// 3. Bytecode size per board build.
// The VM part needs the devtools hub (port 8081): started here if free, so no other simulator may run.
import * as fs from "fs"
import * as path from "path"
import { Rig } from "../sim/board/rig"
import { parseScenario } from "../sim/runner/scenario"
import { runScenario } from "../sim/runner/run_scenario"
import { ProcessGroup, ROOT, startHub } from "../sim/app/processes"
import { buildAll } from "./build_boards"

async function nodeTick_us(): Promise<number> {
    const rig = new Rig()
    rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
    await rig.boot()
    rig.submit({ kind: "channel.enable", channel: 0, on: true })
    const time = async (n: number, withTick: boolean) => {
        const t0 = process.hrtime.bigint()
        for (let k = 0; k < n; k++) {
            for (let s = 0; s < 10; s++) rig.world.step(0.01)
            rig.t_ms += 100
            if (withTick) await rig.sup.tick(rig.t_ms)
        }
        return Number(process.hrtime.bigint() - t0) / 1000
    }
    await time(2000, true) // warm-up (JIT)
    const n = 20000
    const base = await time(n, false)
    const withTick = await time(n, true)
    return (withTick - base) / n
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
    const node_us = await nodeTick_us()
    const scen: { scenario: string; simulated_s: number; wall_s: number; sim_speed_x: number }[] = []
    const dir = path.join(ROOT, "sim", "scenarios")
    for (const f of fs.readdirSync(dir).filter(x => x.endsWith(".json")).sort()) {
        const r = await runScenario(parseScenario(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")), 1))
        scen.push({ scenario: r.scenario, simulated_s: r.simulated_s, wall_s: r.wall_s, sim_speed_x: r.sim_speed_x })
    }
    const builds = buildAll().map(b => ({ board: b.board, ok: b.ok, bytecode_bytes: b.bytecode_bytes, function_bytes: b.function_bytes }))
    const result = {
        tick_vm_us: vm.tick_us,
        tick_node_us: Math.round(node_us * 10) / 10,
        tick_vm_over_node: Math.round((vm.tick_us / node_us) * 10) / 10,
        tick_period_ms: new Rig().cfg.tick_ms,
        tick_vm_share_of_period_pct: Math.round((vm.tick_us / 1000 / new Rig().cfg.tick_ms) * 1000) / 10,
        vm_ticks_timed: vm.ticks,
        runner: scen,
        builds,
    }
    if (!json) {
        console.log(`supervisor tick (1 channel on, 7 INA228 reads, emulated bus):`)
        console.log(`  VM   ${result.tick_vm_us} us per tick (${vm.ticks} ticks, batch timing against a baseline loop)`)
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
