// Spec group "channels": the output channels' portable parts (energy book, load management thresholds, the
// channel setting commands) in their own VM image (the "core" image is near DeviceScript's 64 KiB limit).
import { Spec } from "../harness/api"
import { channelPolicySpec } from "./channel_policy.spec"

export const CHANNEL_SPECS: Spec[] = [channelPolicySpec]
