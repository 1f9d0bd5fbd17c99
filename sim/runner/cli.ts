// npm run sim -- <scenario.json> [--json] [--quiet]
// Runs a scenario to its end in simulated time and prints a summary; with --json the last line of
// stdout is one JSON object. Exit code: 0 ok, 1 an expectation failed, 2 bad scenario or usage.
import { oneOutputConfig } from "../board/test_boards"
import * as fs from "fs"
import { parseScenario, ScenarioError } from "./scenario"
import { runScenario, RunResult } from "./run_scenario"
import { referenceConfig } from "../../src/core/box_config"

function usage(msg: string): never {
    console.error(msg)
    console.error("usage: npm run sim -- <scenario.json> [--json] [--quiet]")
    process.exit(2)
}

function printHuman(r: RunResult): void {
    console.log(`scenario ${r.scenario}: ${r.simulated_s} s simulated in ${r.wall_s} s (${r.sim_speed_x}x real time), ${r.ticks} supervisor ticks`)
    for (const c of r.channels)
        console.log(`  ch${c.index} ${c.name}: ${c.final_state} (${c.final_reason}); energy measured ${c.energy_measured_Wh} Wh, true ${c.energy_true_Wh} Wh (${c.energy_err_pct} %), hardware trips ${c.hardware_trips}`)
    console.log(`  commands: ${r.commands_accepted} accepted, ${r.commands_rejected} rejected`)
    for (const x of r.rejections) console.log(`    rejected at ${x}`)
    for (const x of r.expectations) console.log(`  expect at ${x.at_s} s ch${x.channel}: ${x.ok ? "ok" : "FAILED: " + x.detail}`)
}

async function main(): Promise<void> {
    const args = process.argv.slice(2)
    const json = args.includes("--json")
    const quiet = args.includes("--quiet")
    const files = args.filter(a => !a.startsWith("--"))
    const unknown = args.filter(a => a.startsWith("--") && a !== "--json" && a !== "--quiet")
    if (unknown.length) usage(`unknown option ${unknown[0]}`)
    if (files.length !== 1) usage("give exactly one scenario file")
    let raw: any
    try {
        raw = JSON.parse(fs.readFileSync(files[0], "utf8"))
    } catch (e: any) {
        usage(`cannot read ${files[0]}: ${e.message}`)
    }
    let scenario
    try {
        scenario = parseScenario(raw, oneOutputConfig().channels.length)
    } catch (e) {
        if (e instanceof ScenarioError) usage(`${files[0]}: ${e.message}`)
        throw e
    }
    const r = await runScenario(scenario)
    if (!quiet) {
        printHuman(r)
        if (!json) for (const e of r.events) console.log(`  event ${(e.t_ms / 1000).toFixed(1)} s ${e.channel >= 0 ? "ch" + e.channel : "box"} ${e.kind}${e.state ? " " + e.state : ""}: ${e.message}`)
    }
    if (json) {
        const { events, ...rest } = r
        console.log(JSON.stringify(rest))
    }
    process.exit(r.expectations_failed ? 1 : 0)
}

main().catch(e => {
    console.error(e && e.stack ? e.stack : e)
    process.exit(2)
})
