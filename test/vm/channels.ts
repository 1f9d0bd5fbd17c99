// VM suite, group "channels" (one image per group). Run every group: npm run test:vm
import { runInVm } from "./vm_api"
import { CHANNEL_SPECS } from "../spec/group_channels"

runInVm(CHANNEL_SPECS)
