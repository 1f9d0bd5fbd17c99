// The shared-spec API on @devicescript/test, and the runner every VM entry uses.
import * as ds from "@devicescript/core"
import { describe, test, expect } from "@devicescript/test"
import { Spec, TestApi } from "../harness/api"

const api: TestApi = {
    runtime: "vm",
    describe: (name, body) => describe(name, body),
    // Each test starts a fresh slice: the runner otherwise runs every test in one slice and the VM
    // kills it after ~128 K bytecode operations.
    test: (name, body) =>
        test(name, async () => {
            await ds.sleep(0)
            const t0 = ds.millis()
            await body()
            if (ds.millis() - t0 > 2000) console.log("    (slow: " + (ds.millis() - t0) + " ms)")
        }),
    expect: (v: any) => expect(v) as any,
    pause: async () => {
        await ds.sleep(0)
    },
}

export function runInVm(specs: Spec[]): void {
    for (const spec of specs) spec(api)
}
