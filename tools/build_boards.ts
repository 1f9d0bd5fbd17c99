// npm run build: compile the firmware for every board (and the simulator entry) with the pinned
// DeviceScript compiler, keep each image in built/, print its bytecode size. Any failure fails the command.
//   npm run build [-- --json]
import { spawnSync } from "child_process"
import * as fs from "fs"
import * as path from "path"
import { referenceConfig } from "../src/core/box_config"
import { checkConfig } from "../src/core/box_config_check"

const ROOT = path.join(__dirname, "..")
const DEVS = path.join(ROOT, "node_modules", "@devicescript", "cli", "devicescript")

export const ENTRIES = [
    { board: "power_coop_s3", entry: "src/main_s3.ts", what: "ESP32-S3 box" },
    { board: "power_coop_pico", entry: "src/main_pico.ts", what: "Pico W (RP2040) box" },
    { board: "simulator", entry: "src/main_sim.ts", what: "desktop simulator (VM + emulated board)" },
]

export interface BuildResult {
    board: string
    entry: string
    ok: boolean
    bytecode_bytes: number
    /** Functions in the image (DeviceScript refuses an image whose functions pass 65536 bytes). */
    function_bytes: number
    output: string
}

/** DeviceScript 2.16's verifier: an image's functions must end below 64 KiB. */
const FUNCTION_LIMIT = 65536

export function buildAll(): BuildResult[] {
    fs.mkdirSync(path.join(ROOT, "built"), { recursive: true })
    return ENTRIES.map(e => {
        const r = spawnSync(process.execPath, [DEVS, "build", "--quiet", e.entry], { cwd: ROOT, encoding: "utf8" })
        const out = (r.stdout || "") + (r.stderr || "")
        const bin = path.join(ROOT, ".devicescript", "bin", "bytecode.devs")
        const ok = r.status === 0 && fs.existsSync(bin)
        let size = 0
        let fns = 0
        const sizes = path.join(ROOT, ".devicescript", "bin", "bytecode-sizes.md")
        const m = fs.existsSync(sizes) ? /(\d+) \| Function TOTAL/.exec(fs.readFileSync(sizes, "utf8")) : null
        if (m) fns = parseInt(m[1], 10)
        if (ok) {
            const dest = path.join(ROOT, "built", `${e.board}.devs`)
            fs.copyFileSync(bin, dest)
            size = fs.statSync(dest).size
        }
        return { board: e.board, entry: e.entry, ok, bytecode_bytes: size, function_bytes: fns, output: out }
    })
}

if (require.main === module) {
    // Every entry compiles in the reference box's table; the device does not check it, so check it here.
    const problems = checkConfig(referenceConfig())
    if (problems.length > 0) {
        console.error("the reference box configuration has problems:\n  " + problems.join("\n  "))
        process.exit(1)
    }
    const json = process.argv.includes("--json")
    const results = buildAll()
    let failed = 0
    for (const r of results) {
        if (!r.ok) {
            failed++
            console.error(`build of ${r.entry} for ${r.board} FAILED:\n${r.output}`)
            if (r.function_bytes >= FUNCTION_LIMIT) console.error(`  functions ${r.function_bytes} bytes: past DeviceScript's ${FUNCTION_LIMIT}-byte limit (docs/design.md)`)
        } else if (!json)
            console.log(`${r.board.padEnd(16)} ${r.entry.padEnd(18)} ${String(r.bytecode_bytes).padStart(7)} bytes bytecode, functions ${r.function_bytes} of ${FUNCTION_LIMIT} -> built/${r.board}.devs`)
    }
    if (json) console.log(JSON.stringify(results.map(r => ({ board: r.board, entry: r.entry, ok: r.ok, bytecode_bytes: r.bytecode_bytes, function_bytes: r.function_bytes }))))
    process.exit(failed ? 1 : 0)
}
