// Spec group "charger": the BQ25756 charge controller driver against its register-level emulator. One VM image
// per group (DeviceScript caps an image's functions at 64 KiB); test/spec/all.ts joins the groups for Node.
import { Spec } from "../harness/api"
import { bq25756Spec } from "./bq25756.spec"

export const CHARGER_SPECS: Spec[] = [bq25756Spec]
