// VM suite, group "chips" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { CHIP_SPECS } from "../spec/group_chips"

runInVm(CHIP_SPECS)
