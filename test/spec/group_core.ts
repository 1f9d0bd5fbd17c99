// Spec group "core": the portable core's units (command validation and its fuzz, the battery estimator's parts).
import { Spec } from "../harness/api"
import { commandsSpec } from "./commands.spec"
import { commandsFuzzSpec } from "./commands_fuzz.spec"
import { batterySpec } from "./battery.spec"

export const CORE_SPECS: Spec[] = [commandsSpec, commandsFuzzSpec, batterySpec]
