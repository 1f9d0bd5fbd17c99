// Spec group "golden": the same input traces through the production code give the same outputs in the
// VM and in Node (firmware + emulated board). The estimator's own trace: group_golden_battery.ts.
import { Spec } from "../harness/api"
import { goldenSpec } from "./golden.spec"

export const GOLDEN_SPECS: Spec[] = [goldenSpec]
