// Spec group "afe": the BQ76907 emulator and driver, measurements and protections (split from "chips" when
// the protections made that image too large for the VM).
import { Spec } from "../harness/api"
import { bq76907EmulatorSpec, bq76907ProtectionSpec } from "./bq76907_emulator.spec"
import { bq76907DriverProtectionSpec, bq76907DriverSpec } from "./bq76907_driver.spec"

export const AFE_SPECS: Spec[] = [bq76907EmulatorSpec, bq76907ProtectionSpec, bq76907DriverSpec, bq76907DriverProtectionSpec]
