// VM suite, group "plant" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { PLANT_SPECS } from "../spec/group_plant"

runInVm(PLANT_SPECS)
