// VM suite, group "golden_battery" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { GOLDEN_BATTERY_SPECS } from "../spec/group_golden_battery"

runInVm(GOLDEN_BATTERY_SPECS)
