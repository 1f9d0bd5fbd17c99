// Every shared spec. Node runs the whole list (test/node/main.ts). The VM runs every group but "box",
// one image per group (test/vm/*.ts), because one image may hold at most 64 KiB of functions.
import { Spec } from "../harness/api"
import { CHIP_SPECS } from "./group_chips"
import { AFE_SPECS } from "./group_afe"
import { PLANT_SPECS } from "./group_plant"
import { PACK_PATH_SPECS } from "./group_pack_path"
import { CORE_SPECS } from "./group_core"
import { GOLDEN_SPECS } from "./group_golden"
import { GOLDEN_BATTERY_SPECS } from "./group_golden_battery"
import { BOX_SPECS } from "./group_box"
import { PROTECTION_SPECS } from "./group_protection"
import { CHANNEL_SPECS } from "./group_channels"
import { CHARGING_SPECS } from "./group_charging"
import { CHARGER_SPECS } from "./group_charger"

export const ALL_SPECS: Spec[] = [...CHIP_SPECS, ...AFE_SPECS, ...PLANT_SPECS, ...PACK_PATH_SPECS, ...CORE_SPECS, ...CHANNEL_SPECS, ...CHARGING_SPECS, ...CHARGER_SPECS, ...PROTECTION_SPECS, ...GOLDEN_SPECS, ...GOLDEN_BATTERY_SPECS, ...BOX_SPECS]
