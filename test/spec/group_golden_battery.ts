// Spec group "golden_battery": the battery estimator's recorded trace, VM against Node.
import { Spec } from "../harness/api"
import { goldenBatterySpec } from "./golden_battery.spec"

export const GOLDEN_BATTERY_SPECS: Spec[] = [goldenBatterySpec]
