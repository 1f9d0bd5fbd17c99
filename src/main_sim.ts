// Power Coop firmware in the DeviceScript VM, for the desktop simulator (`npm start`).
// The production supervisor, drivers and Jacdac servers run unchanged; their bus and pins lead over the
// sim link to the emulated board in Node (register-level chips, enable lines, trip latches, pack FETs,
// watchdog), which the plant drives there.
import "./shell/hot_strings" // first: its strings get the short string numbers (tools/hot_strings.ts)
import * as ds from "@devicescript/core"
import { simulatorConfig } from "./core/box_config"
import { startBox } from "./shell/box_app"
import { DsSettingsStore } from "./shell/settings_store"
import { HEARTBEAT_BIT, INSEL_DC_BIT, INSEL_USB_BIT, SimLink } from "./shell/sim_link"
import { ChargeController, chargerFor } from "./core/charging/charge_controller"

const cfg = simulatorConfig()
const link = new SimLink()
// The board is in Node: wait until the link is up, so the self-check talks to chips, not to silence.
while (!link.role.isBound) await ds.sleep(50)
const enables = cfg.channels.map((c, i) => link.pin(i))
// The charger's input selects and DC sense also cross the link (the board's pins and ADC are in Node).
let charging: ChargeController = undefined
if (cfg.charger) charging = chargerFor(cfg.charger, link, link.pin(INSEL_USB_BIT), link.pin(INSEL_DC_BIT), () => link.dcSense_mV)
await startBox(cfg, { bus: link, enables, heartbeat: link.pin(HEARTBEAT_BIT), charging }, new DsSettingsStore())
console.log("Power Coop firmware running in the simulator: " + cfg.channels.length + " channel(s)")
