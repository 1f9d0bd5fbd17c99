// Boards smaller than the reference box, for specs that judge one thing (protections, the battery, the
// golden traces) and should not pay for six meters per tick. The reference box is `referenceConfig()`.
import { BoxConfig, referenceConfig } from "../../src/core/box_config"

/**
 * A minimal build: one 12 V DC output (TPS25983 eFuse, INA228 at 0x44, output 4) fed straight from the pack,
 * as on a 4S LFP box without a 12 V stage. Its window spans every pack the board supports (2S LFP at
 * cut-off is 5 V; 6S NMC full is 25.2 V).
 */
export function oneOutputConfig(): BoxConfig {
    const cfg = referenceConfig()
    const dc = cfg.channels[4]
    dc.name = "DC barrel"
    dc.stage_mV = 0
    dc.defaultLimit_mA = 4000
    dc.minOut_mV = 4500
    dc.maxOut_mV = 27000
    cfg.channels = [dc]
    return cfg
}
