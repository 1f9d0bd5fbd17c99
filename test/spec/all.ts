// Every shared spec. Node runs the whole list (test/node/main.ts). The VM runs every group but "box",
// one image per group (test/vm/*.ts), because one image may hold at most 64 KiB of functions.
import { Spec } from "../harness/api"
import { CHIP_SPECS } from "./group_chips"
import { PLANT_SPECS } from "./group_plant"
import { CORE_SPECS } from "./group_core"
import { GOLDEN_SPECS } from "./group_golden"
import { GOLDEN_BATTERY_SPECS } from "./group_golden_battery"
import { BOX_SPECS } from "./group_box"

export const ALL_SPECS: Spec[] = [...CHIP_SPECS, ...PLANT_SPECS, ...CORE_SPECS, ...GOLDEN_SPECS, ...GOLDEN_BATTERY_SPECS, ...BOX_SPECS]
