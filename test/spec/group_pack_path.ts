// Spec group "pack_path": the AFE's FETs in the pack path on the emulated board (plant + board + emulators +
// driver make one image on their own).
import { Spec } from "../harness/api"
import { packPathSpec } from "./pack_path.spec"

export const PACK_PATH_SPECS: Spec[] = [packPathSpec]
