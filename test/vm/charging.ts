// VM suite, group "charging" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { CHARGING_SPECS } from "../spec/group_charging"

runInVm(CHARGING_SPECS)
