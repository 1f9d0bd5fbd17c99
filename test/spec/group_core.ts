// Spec group "core": the portable core's units (command validation, the battery estimator's parts).
import { Spec } from "../harness/api"
import { commandsSpec } from "./commands.spec"

export const CORE_SPECS: Spec[] = [commandsSpec]
