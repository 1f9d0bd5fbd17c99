// npm run size [-- src/main_s3.ts]: function bytes of one firmware image per source file (largest first)
// and per function (top 25). DeviceScript refuses an image whose functions pass 65,536 bytes, so this is
// the map to read before adding code (docs/design.md, "code size").
import { spawnSync } from "child_process"
import * as fs from "fs"
import * as path from "path"

const ROOT = path.join(__dirname, "..")
const entry = process.argv.slice(2).find(a => a.endsWith(".ts")) || "src/main_s3.ts"
const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "@devicescript", "cli", "devicescript"), "build", "--quiet", entry], { cwd: ROOT, encoding: "utf8" })
// A build past the limit fails verification but still writes its debug map: report it all the same.
const over = /verification error: -1051/.test(r.stdout + r.stderr)
if (r.status !== 0 && !over) {
    console.error(r.stdout + r.stderr)
    process.exit(1)
}
const dbg = JSON.parse(fs.readFileSync(path.join(ROOT, ".devicescript", "bin", "bytecode-dbg.json"), "utf8"))
// A function's location[0] is an offset into the concatenation of all sources, in order.
const starts: { path: string; start: number }[] = []
let at = 0
for (const s of dbg.sources) {
    starts.push({ path: s.path, start: at })
    at += s.length
}
function fileOf(pos: number): string {
    let f = "?"
    for (const s of starts) if (s.start <= pos) f = s.path
    return f
}
const perFile = new Map<string, number>()
let total = 0
const fns: { name: string; file: string; size: number }[] = []
for (const f of dbg.functions) {
    const file = fileOf(f.location ? f.location[0] : -1)
    perFile.set(file, (perFile.get(file) || 0) + f.size)
    fns.push({ name: f.name, file, size: f.size })
    total += f.size
}
console.log(`${entry}: functions ${total} of 65536 bytes (${65536 - total} left${over ? ": PAST THE LIMIT, the image does not verify" : ""})`)
for (const [file, size] of [...perFile.entries()].sort((a, b) => b[1] - a[1])) if (size >= 200) console.log(`${String(size).padStart(7)}  ${file}`)
console.log("largest functions:")
for (const f of fns.sort((a, b) => b.size - a.size).slice(0, 25)) console.log(`${String(f.size).padStart(7)}  ${f.name}  (${f.file})`)
