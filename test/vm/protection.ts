// VM suite, group "protection" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { PROTECTION_SPECS } from "../spec/group_protection"

runInVm(PROTECTION_SPECS)
