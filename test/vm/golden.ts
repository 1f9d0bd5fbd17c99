// VM suite, group "golden" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { GOLDEN_SPECS } from "../spec/group_golden"

runInVm(GOLDEN_SPECS)
