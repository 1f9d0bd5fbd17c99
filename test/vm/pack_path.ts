// VM suite, group "pack_path" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { PACK_PATH_SPECS } from "../spec/group_pack_path"

runInVm(PACK_PATH_SPECS)
