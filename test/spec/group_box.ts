// Spec group "box": the whole box (production supervisor and drivers on the emulated board, driven by the
// plant). Node only: firmware + board + plant + these tests exceed the 64 KiB of functions one DeviceScript
// image may hold. The golden group proves the VM runs the firmware-and-board path like Node does, and the
// end-to-end test runs the real firmware in the VM.
import { Spec } from "../harness/api"
import { supervisorSpec } from "./supervisor.spec"
import { batteryBoxSpec } from "./battery_box.spec"
import { commandsFuzzBoxSpec } from "./commands_fuzz_box.spec"
import { channelsBoxSpec } from "./channels_box.spec"
import { outputsBoxSpec } from "./outputs_box.spec"

export const BOX_SPECS: Spec[] = [supervisorSpec, batteryBoxSpec, commandsFuzzBoxSpec, channelsBoxSpec, outputsBoxSpec]
