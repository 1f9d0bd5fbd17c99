// The lint suite of `npm test`: the linter's own rule fixtures, then the whole tree must be clean.
import { runDsLintTests } from "../test/node/ds_lint.test"
import { collectFiles, lintFiles } from "./ds_lint"

async function main(): Promise<void> {
    const r = await runDsLintTests()
    let passed = r.passed
    let failed = r.failed
    const findings = lintFiles(collectFiles())
    for (const f of findings) console.log(`${f.file}:${f.line}:${f.col} ${f.rule} ${f.message}`)
    if (findings.length) failed++
    else passed++
    console.log(`${findings.length ? "FAIL" : "ok  "} the tree follows the DeviceScript subset (${findings.length} findings)`)
    console.log(`lint suite: ${passed} passed, ${failed} failed`)
    process.exit(failed ? 1 : 0)
}

void main()
