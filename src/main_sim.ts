// Power Coop firmware in the DeviceScript VM, for the desktop simulator (`npm start`).
// The production supervisor, drivers and Jacdac servers run unchanged; the bus and pins belong to an
// emulated board (register-level chips, enable lines, trip latches, watchdog) fed by the Node plant.
import * as ds from "@devicescript/core"
import { referenceConfig } from "./core/box_config"
import { startBox } from "./shell/box_app"
import { DsSettingsStore } from "./shell/settings_store"
import { SimLink, YieldingBus } from "./shell/sim_link"
import { boardParamsFor } from "../sim/board/board_params"
import { Board } from "../sim/board/board"

const cfg = referenceConfig()
const board = new Board(boardParamsFor(cfg))
const link = new SimLink(board)
setInterval(() => {
    try {
        link.step(ds.millis())
    } catch (e) {
        console.log("board step failed")
    }
}, 10)
const enables = cfg.channels.map((c, i) => board.enablePin(i))
await startBox(cfg, { bus: new YieldingBus(board.bus), enables, heartbeat: board.heartbeatPin() }, new DsSettingsStore())
console.log("Power Coop firmware running in the simulator: " + cfg.channels.length + " channel(s)")
