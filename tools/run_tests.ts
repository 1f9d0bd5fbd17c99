// npm test: every suite in turn, then one line "N passed, M failed" summed over all of them.
//   npm test                  everything (lint, types, builds, Node, VM, end-to-end)
//   npm test -- --only vm     one suite (lint | types | build | node | vm | e2e), may repeat
// Exit code 0 only if nothing failed. A suite that dies without printing its count counts as one failure.
import { spawn } from "child_process"
import * as path from "path"

const ROOT = path.join(__dirname, "..")
const TS_NODE = ["-r", "ts-node/register/transpile-only"]

interface Suite {
    id: string
    title: string
    cmd: string[]
    /** Extract [passed, failed] from the suite's output, or undefined if it printed no count. */
    count: (out: string, code: number) => [number, number] | undefined
    /** Wall-clock limit. */
    timeout_ms: number
}

function lastMatch(out: string, re: RegExp): RegExpExecArray | undefined {
    let m: RegExpExecArray | null
    let last: RegExpExecArray | undefined
    const g = new RegExp(re.source, "g")
    while ((m = g.exec(out))) last = m
    return last
}

const passedFailed = (label: string) => (out: string): [number, number] | undefined => {
    const m = lastMatch(out, new RegExp(label + ": (\\d+) passed, (\\d+) failed"))
    return m ? [parseInt(m[1], 10), parseInt(m[2], 10)] : undefined
}

const SUITES: Suite[] = [
    {
        id: "lint",
        title: "DeviceScript subset lint (rule fixtures, then the whole tree)",
        cmd: [process.execPath, ...TS_NODE, "tools/lint_suite.ts"],
        count: passedFailed("lint suite"),
        timeout_ms: 120000,
    },
    {
        id: "types",
        title: "TypeScript type check of the Node-side project (tsc 4.9)",
        cmd: [process.execPath, path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
        count: (_out, code) => (code === 0 ? [1, 0] : [0, 1]),
        timeout_ms: 180000,
    },
    {
        id: "build",
        title: "Firmware builds for every board (devs build)",
        cmd: [process.execPath, ...TS_NODE, "tools/build_boards.ts"],
        count: (out, code) => {
            const ok = (out.match(/bytes bytecode/g) || []).length
            const bad = (out.match(/FAILED/g) || []).length
            return ok + bad === 0 ? undefined : code === 0 || bad > 0 ? [ok, bad] : [ok, bad + 1]
        },
        timeout_ms: 300000,
    },
    {
        id: "node",
        title: "Node suite (shared specs + Node-only specs)",
        cmd: [process.execPath, ...TS_NODE, "test/node/main.ts"],
        count: passedFailed("node suite"),
        timeout_ms: 600000,
    },
    {
        id: "vm",
        title: "VM suite (the shared specs in the DeviceScript VM, one image per group)",
        cmd: [process.execPath, ...TS_NODE, "tools/vm_suite.ts"],
        count: passedFailed("vm suite"),
        timeout_ms: 1500000,
    },
    {
        id: "e2e",
        title: "End to end (hub + VM firmware + plant + web API), headless",
        cmd: [process.execPath, ...TS_NODE, "test/e2e/e2e.ts"],
        count: passedFailed("e2e"),
        timeout_ms: 300000,
    },
]

function run(s: Suite): Promise<{ out: string; code: number }> {
    return new Promise(resolve => {
        const p = spawn(s.cmd[0], s.cmd.slice(1), { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true })
        let out = ""
        const onData = (b: Buffer) => {
            const text = b.toString("utf8")
            out += text
            process.stdout.write(text)
        }
        p.stdout.on("data", onData)
        p.stderr.on("data", onData)
        const timer = setTimeout(() => {
            out += `\n(suite ${s.id} killed after ${s.timeout_ms} ms)\n`
            try {
                process.kill(-p.pid, "SIGKILL")
            } catch {
                /* gone */
            }
        }, s.timeout_ms)
        p.on("close", code => {
            clearTimeout(timer)
            resolve({ out, code: code === null ? 1 : code })
        })
    })
}

async function main(): Promise<void> {
    const only: string[] = []
    for (let i = 2; i < process.argv.length; i++) if (process.argv[i] === "--only" && process.argv[i + 1]) only.push(process.argv[++i])
    const unknown = only.filter(o => !SUITES.some(s => s.id === o))
    if (unknown.length) {
        console.error(`unknown suite ${unknown[0]}; suites: ${SUITES.map(s => s.id).join(", ")}`)
        process.exit(2)
    }
    const chosen = SUITES.filter(s => !only.length || only.includes(s.id))
    let passed = 0
    let failed = 0
    const summary: string[] = []
    for (const s of chosen) {
        console.log(`\n=== ${s.title} ===`)
        const t0 = Date.now()
        const { out, code } = await run(s)
        let c = s.count(out, code)
        if (!c) c = [0, 1] // died before reporting: that is a failure, never a silent pass
        passed += c[0]
        failed += c[1]
        summary.push(`${s.id.padEnd(6)} ${String(c[0]).padStart(4)} passed ${String(c[1]).padStart(3)} failed  (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
    }
    console.log("\n=== summary ===")
    for (const l of summary) console.log(l)
    console.log(`${passed} passed, ${failed} failed`)
    process.exit(failed ? 1 : 0)
}

void main()
