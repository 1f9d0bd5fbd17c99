// Power Coop firmware for the Pico W (RP2040) box (boards/power_coop_pico.board.json).
import "./shell/hot_strings" // first: its strings get the short string numbers (tools/hot_strings.ts)
import { pins } from "@dsboard/power_coop_pico"
import { referenceConfig } from "./core/box_config"
import { startBox } from "./shell/box_app"
import { DsI2cBus } from "./shell/ds_i2c_bus"
import { GpioOut } from "./shell/gpio_out"
import { DsSettingsStore } from "./shell/settings_store"
import { dividedSense_mV } from "./shell/analog_in"
import { ChargeController, chargerFor } from "./core/charging/charge_controller"

const cfg = referenceConfig()
// Each channel drives the enable line of its hardware output (OUT_EN<n>, held low by sPin from reset).
const outputPins = [pins.OUT_EN0, pins.OUT_EN1, pins.OUT_EN2, pins.OUT_EN3, pins.OUT_EN4, pins.OUT_EN5]
const enables = cfg.channels.map(c => new GpioOut(outputPins[c.output]))
const bus = new DsI2cBus()
// The charger's input-select lines (both low from reset: no input) and the DC inlet's sense divider.
// A box built without the charger leaves `charger` out of its config (src/core/box_config.ts): no charging code runs.
let charging: ChargeController = undefined
if (cfg.charger) charging = chargerFor(cfg.charger, bus, new GpioOut(pins.INSEL_USB), new GpioOut(pins.INSEL_DC), dividedSense_mV(pins.DC_SENSE, cfg.charger.dcSenseRatio))
await startBox(cfg, { bus, enables, heartbeat: new GpioOut(pins.WDT_HEARTBEAT), charging }, new DsSettingsStore())
