// The emulated board is built from the firmware's own box configuration, so addresses and shunts agree.
import { BoxConfig } from "../../src/core/box_config"
import { BoardParams } from "./board"

export const WATCHDOG_TIMEOUT_S = 1.6

export function boardParamsFor(cfg: BoxConfig): BoardParams {
    return {
        channels: cfg.channels.map(c => ({ meterAddress: c.meterAddress, shunt_Ohm: c.shunt_mOhm / 1000 })),
        watchdogTimeout_s: WATCHDOG_TIMEOUT_S,
    }
}
