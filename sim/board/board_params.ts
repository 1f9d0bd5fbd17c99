// The emulated board is built from the firmware's own box configuration, so addresses and shunts agree.
import { BoxConfig } from "../../src/core/box_config"
import { BoardParams } from "./board"

export const WATCHDOG_TIMEOUT_S = 1.6

/** The pack shunt of the reference design (hardware/README.md): 1 mOhm in the pack's negative path. */
export const PACK_SHUNT_OHM = 0.001

/**
 * The board for a configuration. `cells` is what is physically wired to the AFE (by default what the
 * firmware is configured for; a test can wire something else to make a mismatch).
 */
export function boardParamsFor(cfg: BoxConfig, cells?: number): BoardParams {
    return {
        channels: cfg.channels.map(c => ({ meterAddress: c.meterAddress, shunt_Ohm: c.shunt_mOhm / 1000, converterAddress: c.converterAddress })),
        watchdogTimeout_s: WATCHDOG_TIMEOUT_S,
        afe: { address: cfg.battery.afeAddress, cells: cells !== undefined ? cells : cfg.battery.defaultPack.series, shunt_Ohm: PACK_SHUNT_OHM, seed: 1 },
    }
}
