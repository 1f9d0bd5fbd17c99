// Node-only specs (they use files, processes or Node APIs the VM does not have).
import { Spec } from "../harness/api"
import { scenarioSpec } from "./scenario.spec"
import { chargeLoopSpec } from "./charge_loop.spec"
import { chargingBoxSpec } from "./charging_box.spec"

export const NODE_SPECS: Spec[] = [scenarioSpec, chargeLoopSpec, chargingBoxSpec]
