// Node-only specs (they use files, processes or Node APIs the VM does not have).
import { Spec } from "../harness/api"

export const NODE_SPECS: Spec[] = []
