// Every shared spec: the VM suite (test/vm/main.ts) and the Node suite (test/node/main.ts) both run
// exactly this list, so the same core and driver tests pass in both runtimes.
import { Spec } from "../harness/api"
import { ina228EmulatorSpec } from "./ina228_emulator.spec"

export const ALL_SPECS: Spec[] = [ina228EmulatorSpec]
