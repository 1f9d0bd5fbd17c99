// The Node test suite: every shared spec (the same list the VM runs) plus Node-only tests.
//   npx ts-node --transpile-only test/node/main.ts [filter]
import { runSpecs } from "../harness/node_runner"
import { ALL_SPECS } from "../spec/all"
import { NODE_SPECS } from "./node_specs"

async function main(): Promise<void> {
    const filter = process.argv[2]
    const r = await runSpecs([...ALL_SPECS, ...NODE_SPECS], filter)
    console.log(`node suite: ${r.passed} passed, ${r.failed} failed`)
    process.exit(r.failed ? 1 : 0)
}

void main()
