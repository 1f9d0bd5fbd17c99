// VM suite, group "core" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { CORE_SPECS } from "../spec/group_core"

runInVm(CORE_SPECS)
