// Spec group "charging": USB PD decoding and request policy (and, as they come, the charge policy and
// balancing). Portable code only.
import { Spec } from "../harness/api"
import { chargingSpec } from "./charging.spec"
import { chargePolicySpec } from "./charge_policy.spec"
import { pdSinkSpec } from "./pd_sink.spec"
import { dcInputSpec } from "./dc_input.spec"

export const CHARGING_SPECS: Spec[] = [chargingSpec, chargePolicySpec, pdSinkSpec, dcInputSpec]
