// Spec group "chips": register-level emulators and the drivers against them. One VM image per group
// (DeviceScript caps an image's functions at 64 KiB); test/spec/all.ts joins the groups for Node.
import { Spec } from "../harness/api"
import { ina228EmulatorSpec } from "./ina228_emulator.spec"
import { bq76907EmulatorSpec } from "./bq76907_emulator.spec"
import { ina228DriverOverflowSpec, ina228DriverSpec } from "./ina228_driver.spec"
import { bq76907DriverSpec } from "./bq76907_driver.spec"

export const CHIP_SPECS: Spec[] = [ina228EmulatorSpec, bq76907EmulatorSpec, ina228DriverSpec, ina228DriverOverflowSpec, bq76907DriverSpec]
