// Every shared spec: the VM suite (test/vm/main.ts) and the Node suite (test/node/main.ts) both run
// exactly this list, so the same core and driver tests pass in both runtimes.
import { Spec } from "../harness/api"
import { ina228EmulatorSpec } from "./ina228_emulator.spec"
import { ina228DriverSpec } from "./ina228_driver.spec"
import { commandsSpec } from "./commands.spec"
import { plantSpec } from "./plant.spec"

export const ALL_SPECS: Spec[] = [
    ina228EmulatorSpec,
    ina228DriverSpec,
    commandsSpec,
    plantSpec,
    // Known bugs in the code under test: these specs fail today and stay out of the list until the code is fixed.
    //   ina228DriverKnownBugsSpec (test/spec/ina228_driver.spec.ts): read().diag can never show ENERGYOF/CHARGEOF.
    //   plantKnownBugsSpec (test/spec/plant.spec.ts): Pack.step books energy at the post-step OCV.
]
