// Tests for tools/ds_lint.ts: every bad fixture trips its rule (and only its rule), the good fixtures
// are clean, and suppressions behave. Run: npx ts-node --transpile-only test/node/ds_lint.test.ts
import * as fs from "fs"
import * as path from "path"
import { FileClass, Finding, RULES, SUPPRESSION_RULE, classify, lintFiles, lintSources, REPO_ROOT } from "../../tools/ds_lint"

const FIXTURES = path.join(REPO_ROOT, "test", "lint", "fixtures")

type Check = () => string | undefined

/**
 * Portable-only and type-aware rules need the portable class (the checker runs only there); the
 * others are checked in both classes, which also exercises the typed path of the syntactic rules.
 */
function fixtureClasses(ruleId: string): FileClass[] {
    const r = RULES.find(x => x.id === ruleId)
    return r && (r.scope === "portable" || r.typed) ? ["portable"] : ["devicescript", "portable"]
}

function show(found: Finding[]): string {
    return found.map(f => `${f.line}:${f.col} ${f.rule}`).join(", ")
}

function badFixtureCheck(file: string, ruleId: string): Check {
    return () => {
        for (const cls of fixtureClasses(ruleId)) {
            const found = lintFiles([path.join(FIXTURES, file)], { forceClass: cls })
            if (!found.some(f => f.rule === ruleId)) return `${cls}: expected ${ruleId}, got [${show(found)}]`
            const other = found.filter(f => f.rule !== ruleId)
            if (other.length) return `${cls}: unexpected findings [${show(other)}]`
        }
        return undefined
    }
}

function goodFixtureCheck(file: string, cls: FileClass): Check {
    return () => {
        const found = lintFiles([path.join(FIXTURES, file)], { forceClass: cls })
        return found.length ? `expected no findings, got [${show(found)}]` : undefined
    }
}

/** Lint a text as if it were a DeviceScript-only file. */
function lintText(text: string, cls: FileClass = "devicescript") {
    const abs = path.join(FIXTURES, "inline_" + cls + ".ts")
    return lintSources([{ file: "inline.ts", abs, text, cls }])
}

const SUPPRESSION_CASES: Record<string, Check> = {
    "suppression without a reason is reported and does not suppress": () => {
        const r = lintText("// ds-lint-allow var\nvar x = 1\n")
        const rules = r.findings.map(f => f.rule).sort().join(",")
        return rules === [SUPPRESSION_RULE, "var"].sort().join(",") ? undefined : `got [${show(r.findings)}]`
    },
    "suppression with a reason hides the finding and is counted": () => {
        const r = lintText("// ds-lint-allow var: testing the allow comment\nvar x = 1\n")
        if (r.findings.length) return `got [${show(r.findings)}]`
        return r.suppressed === 1 ? undefined : `suppressed = ${r.suppressed}`
    },
    "suppression names an unknown rule": () => {
        const r = lintText("// ds-lint-allow no-such-rule: because\nlet x = 1\n")
        return r.findings.length === 1 && r.findings[0].rule === SUPPRESSION_RULE ? undefined : `got [${show(r.findings)}]`
    },
    "suppression only covers the next line and the named rule": () => {
        const r = lintText("// ds-lint-allow do-while: wrong rule\nvar x = 1\nvar y = 2\n")
        const vars = r.findings.filter(f => f.rule === "var").length
        return vars === 2 ? undefined : `got [${show(r.findings)}]`
    },
    "trailing allow comment is reported": () => {
        const r = lintText("let x = 1 // ds-lint-allow var: not here\n")
        return r.findings.length === 1 && r.findings[0].rule === SUPPRESSION_RULE ? undefined : `got [${show(r.findings)}]`
    },
}

const CLASSIFY_CASES: Record<string, FileClass | undefined> = {
    "src/core/soc.ts": "portable",
    "src/drivers/ina228.ts": "portable",
    "sim/emulators/x/y.ts": "portable",
    "test/harness/api.ts": "portable",
    "test/harness/node_runner.ts": undefined,
    "src/main_sim.ts": "devicescript",
    "src/shell/app.ts": "devicescript",
    "tools/vm/run.ts": "devicescript",
    "tools/ds_lint.ts": undefined,
    "sim/app/server.ts": undefined,
    "src/core/types.d.ts": undefined,
}

function classifyCheck(): string | undefined {
    const wrong = Object.keys(CLASSIFY_CASES).filter(p => classify(p) !== CLASSIFY_CASES[p])
    return wrong.length ? wrong.map(p => `${p} -> ${classify(p)}`).join(", ") : undefined
}

function allCases(): Record<string, Check> {
    const cases: Record<string, Check> = {}
    const files = fs.readdirSync(FIXTURES).filter(f => f.endsWith(".ts")).sort()
    const badRules = new Set<string>()
    for (const f of files) {
        const m = /^bad_(.+)\.ts$/.exec(f)
        if (m) {
            badRules.add(m[1])
            cases["fixture " + f] = RULES.some(r => r.id === m[1]) ? badFixtureCheck(f, m[1]) : () => "no rule named " + m[1]
        }
    }
    cases["fixture good_portable.ts"] = goodFixtureCheck("good_portable.ts", "portable")
    cases["fixture good_devicescript.ts"] = goodFixtureCheck("good_devicescript.ts", "devicescript")
    cases["every rule has a bad fixture"] = () => {
        const missing = RULES.filter(r => !badRules.has(r.id)).map(r => r.id)
        return missing.length ? "missing bad_" + missing.join(".ts, bad_") + ".ts" : undefined
    }
    cases["classify follows the table"] = classifyCheck
    Object.assign(cases, SUPPRESSION_CASES)
    return cases
}

export async function runDsLintTests(): Promise<{ passed: number; failed: number }> {
    let passed = 0, failed = 0
    const cases = allCases()
    for (const name of Object.keys(cases)) {
        let why: string | undefined
        try {
            why = cases[name]()
        } catch (e) {
            why = "threw " + ((e as Error).stack ?? e)
        }
        if (why === undefined) { passed++; console.log(`ok ${name}`) }
        else { failed++; console.log(`FAIL ${name}: ${why}`) }
    }
    console.log(`ds-lint tests: ${passed} passed, ${failed} failed`)
    return { passed, failed }
}

if (typeof require !== "undefined" && require.main === module) {
    runDsLintTests().then(r => { process.exitCode = r.failed ? 1 : 0 })
}
