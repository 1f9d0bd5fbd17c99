// Every shared spec: the VM suite (test/vm/main.ts) and the Node suite (test/node/main.ts) both run
// exactly this list, so the same core and driver tests pass in both runtimes.
import { Spec } from "../harness/api"
import { ina228EmulatorSpec } from "./ina228_emulator.spec"
import { bq76907EmulatorSpec } from "./bq76907_emulator.spec"
import { ina228DriverOverflowSpec, ina228DriverSpec } from "./ina228_driver.spec"
import { commandsSpec } from "./commands.spec"
import { plantEnergyBooksSpec, plantModelSpec, plantSpec } from "./plant.spec"
import { supervisorSpec } from "./supervisor.spec"
import { goldenSpec } from "./golden.spec"

export const ALL_SPECS: Spec[] = [
    ina228EmulatorSpec,
    bq76907EmulatorSpec,
    ina228DriverSpec,
    commandsSpec,
    ina228DriverOverflowSpec,
    plantSpec,
    plantEnergyBooksSpec,
    plantModelSpec,
    supervisorSpec,
    goldenSpec,
]
