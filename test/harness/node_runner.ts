// Minimal runner for shared specs in Node, with the same semantics as @devicescript/test's subset.
import type { Expectation, Spec, TestApi } from "./api"

interface Case { suite: string; name: string; body: () => any }

class NodeExpectation implements Expectation {
    constructor(private value: any, private negate = false) {}
    toBe(expected: any): void {
        const same = this.value === expected
        if (same === this.negate)
            throw new Error(`toBe: expected ${this.negate ? "not " : ""}${String(expected)}, got ${String(this.value)}`)
    }
    toThrow(): void {
        let threw = false
        try { this.value() } catch { threw = true }
        if (threw === this.negate) throw new Error(this.negate ? "expected no throw" : "expected a throw")
    }
    not(): Expectation { return new NodeExpectation(this.value, !this.negate) }
}

export async function runSpecs(specs: Spec[], filter?: string): Promise<{ passed: number; failed: number }> {
    const cases: Case[] = []
    let suite = ""
    const api: TestApi = {
        runtime: "node",
        describe(name, body) { const prev = suite; suite = prev ? prev + " / " + name : name; body(); suite = prev },
        test(name, body) { cases.push({ suite, name, body }) },
        expect(value) { return new NodeExpectation(value) },
        async pause() {},
    }
    for (const s of specs) s(api)
    let passed = 0, failed = 0, lastSuite = ""
    for (const c of cases) {
        const full = `${c.suite} ${c.name}`
        if (filter && !full.includes(filter)) continue
        if (c.suite !== lastSuite) { console.log(c.suite); lastSuite = c.suite }
        try {
            await c.body()
            passed++
            console.log(`  ok   ${c.name}`)
        } catch (e: any) {
            failed++
            console.log(`  FAIL ${c.name}\n       ${e && e.stack ? e.stack.split("\n").slice(0, 4).join("\n       ") : e}`)
        }
    }
    return { passed, failed }
}
