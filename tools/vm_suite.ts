// npm run test:vm — every VM group (test/vm/*.ts, one image each), then "vm suite: N passed, M failed".
// A group that does not build, panics or times out counts as one failure.
import { spawnSync } from "child_process"
import * as fs from "fs"
import * as path from "path"

const ROOT = path.join(__dirname, "..")
const DEVS = path.join(ROOT, "node_modules", "@devicescript", "cli", "devicescript")
const GROUPS = fs.readdirSync(path.join(ROOT, "test", "vm")).filter(f => f.endsWith(".ts") && f !== "vm_api.ts").sort()

const GROUP_TIMEOUT_MS = 300000
let passed = 0
let failed = 0
for (const g of GROUPS) {
    console.log(`--- VM group ${g}`)
    // Each group takes well under a minute today. An image the VM will not start (too large: seen at 60 KB
    // of functions plus 50 KB of data) prints nothing and would wait for devs' own 15-minute limit.
    const r = spawnSync(process.execPath, [DEVS, "run", `test/vm/${g}`, "--test", "--test-self-exit", "-T", "900000"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: GROUP_TIMEOUT_MS })
    const out = (r.stdout || "") + (r.stderr || "")
    process.stdout.write(out)
    const m = /tests: (\d+), pass: (\d+), error: (\d+)/g
    let last: RegExpExecArray | null = null
    let x: RegExpExecArray | null
    while ((x = m.exec(out))) last = x
    if (!last) {
        failed++
        const why = r.error ? ` after ${GROUP_TIMEOUT_MS / 1000} s; if it never printed "start:", the image is too large (.devicescript/bin/bytecode-sizes.md)` : ""
        console.log(`FAIL VM group ${g}: no result (exit ${r.status})${why}`)
        continue
    }
    const total = parseInt(last[1], 10)
    const pass = parseInt(last[2], 10)
    passed += pass
    let bad = total - pass
    if (r.status !== 0 && bad === 0) bad = 1
    failed += bad
}
console.log(`vm suite: ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
