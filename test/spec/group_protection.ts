// Spec group "protection": the protection core's units (faults, catalogue, log, protector).
import { Spec } from "../harness/api"
import { protectionSpec } from "./protection.spec"

export const PROTECTION_SPECS: Spec[] = [protectionSpec]
