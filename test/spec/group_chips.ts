// Spec group "chips": the INA228 emulator and its driver. One VM image per group (DeviceScript caps an
// image's functions at 64 KiB); test/spec/all.ts joins the groups for Node. The BQ76907 is in "afe".
import { Spec } from "../harness/api"
import { ina228EmulatorSpec } from "./ina228_emulator.spec"
import { ina228DriverOverflowSpec, ina228DriverSpec } from "./ina228_driver.spec"

export const CHIP_SPECS: Spec[] = [ina228EmulatorSpec, ina228DriverSpec, ina228DriverOverflowSpec]
