// Node-only: scenario files (read from disk), the headless runner and its command line.
import * as fs from "fs"
import * as path from "path"
import { spawnSync } from "child_process"
import { parseScenario, ScenarioError } from "../../sim/runner/scenario"
import { runScenario } from "../../sim/runner/run_scenario"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

const ROOT = path.join(__dirname, "..", "..")
const SCENARIOS = path.join(ROOT, "sim", "scenarios")

function refusal(raw: any): string {
    try {
        parseScenario(raw, 1)
    } catch (e: any) {
        if (e instanceof ScenarioError) return e.message
        throw e
    }
    return ""
}

const base = () => ({ name: "t", duration_s: 10 })

export const scenarioSpec: Spec = (t: TestApi) => {
    t.describe("scenarios and the headless runner", () => {
        for (const file of fs.readdirSync(SCENARIOS).filter(f => f.endsWith(".json"))) {
            t.test(`shipped scenario ${file} parses, runs and meets its expectations`, async () => {
                const s = parseScenario(JSON.parse(fs.readFileSync(path.join(SCENARIOS, file), "utf8")), 1)
                const r = await runScenario(s)
                assertTrue(r.expectations.length > 0, "the scenario checks something")
                assertEq(r.expectations_failed, 0, "failed expectations: " + JSON.stringify(r.expectations.filter(x => !x.ok)))
                assertTrue(r.sim_speed_x > 1, "faster than real time: " + r.sim_speed_x)
            })
        }

        t.test("a missing required field is refused, naming it", async () => {
            assertEq(refusal({ name: "t" }), "scenario.duration_s: missing (a number 0.001..2592000)", "message")
        })

        t.test("an unknown field is refused, naming it (typos don't pass silently)", async () => {
            assertTrue(refusal({ ...base(), duraton_s: 5 }).indexOf("unknown field 'duraton_s'") >= 0, "message")
        })

        t.test("a wrong type deep inside is refused with its path", async () => {
            const m = refusal({ ...base(), events: [{ at_s: "soon", command: {} }] })
            assertTrue(m.indexOf("scenario.events[0].at_s: expected a number") === 0, "message: " + m)
            const m2 = refusal({ ...base(), loads: [{ channel: 0, type: "resistive", ohms: -3 }] })
            assertTrue(m2.indexOf("scenario.loads[0].ohms") === 0, "message: " + m2)
            const m3 = refusal({ ...base(), pack: { chemistry: "LTO" } })
            assertTrue(m3.indexOf("scenario.pack.chemistry") === 0, "message: " + m3)
            const m4 = refusal({ ...base(), loads: [{ channel: 3, type: "resistive", ohms: 3 }] })
            assertTrue(m4.indexOf("scenario.loads[0].channel") === 0, "message: " + m4)
        })

        t.test("events out of time order, or with neither command nor load, are refused", async () => {
            const m = refusal({ ...base(), events: [{ at_s: 5, load: { channel: 0, type: "none" } }, { at_s: 1, load: { channel: 0, type: "none" } }] })
            assertTrue(m.indexOf("events[1].at_s") >= 0, "message: " + m)
            assertTrue(refusal({ ...base(), events: [{ at_s: 1 }] }).indexOf("exactly one of") >= 0, "neither")
        })

        t.test("commands in a scenario go through the firmware's validator (a bad one is counted as rejected)", async () => {
            const s = parseScenario({ ...base(), events: [{ at_s: 1, command: { kind: "channel.limit", channel: 0, limit_mA: 1e9 } }], expect: [{ at_s: 2, channel: 0, state: "off" }] }, 1)
            const r = await runScenario(s)
            assertEq(r.commands_rejected, 1, "rejected")
            assertTrue(r.rejections[0].indexOf("rating") >= 0, "reason: " + r.rejections[0])
        })

        t.test("npm run sim -- file --json ends with one JSON object carrying the promised keys", async () => {
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "sim/runner/cli.ts", "sim/scenarios/dc_resistive_load.json", "--json"], { cwd: ROOT, encoding: "utf8" })
            assertEq(r.status, 0, "exit code (stderr: " + r.stderr + ")")
            const lines = r.stdout.trim().split("\n")
            const last = JSON.parse(lines[lines.length - 1])
            for (const k of ["scenario", "simulated_s", "wall_s", "ticks", "channel_energy_measured_Wh", "channel_energy_true_Wh"])
                assertTrue(last[k] !== undefined, "key " + k)
            assertEq(last.simulated_s, 600, "simulated_s")
            assertTrue(Math.abs(last.channel_energy_measured_Wh - last.channel_energy_true_Wh) < 0.005 * last.channel_energy_true_Wh, "energy within 0.5 %")
        })

        t.test("the command line refuses a bad scenario with exit code 2 and the field's name", async () => {
            const tmp = path.join(ROOT, ".devicescript", "bad-scenario.json")
            fs.mkdirSync(path.dirname(tmp), { recursive: true })
            fs.writeFileSync(tmp, JSON.stringify({ name: "bad", duration_s: 5, tick_ms: 5 }))
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "sim/runner/cli.ts", tmp], { cwd: ROOT, encoding: "utf8" })
            fs.unlinkSync(tmp)
            assertEq(r.status, 2, "exit code")
            assertTrue(r.stderr.indexOf("scenario.tick_ms") >= 0, "stderr names the field: " + r.stderr)
        })
    })
}
