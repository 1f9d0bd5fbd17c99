// VM suite, group "afe" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { AFE_SPECS } from "../spec/group_afe"

runInVm(AFE_SPECS)
