// VM suite, group "charger" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { CHARGER_SPECS } from "../spec/group_charger"

runInVm(CHARGER_SPECS)
