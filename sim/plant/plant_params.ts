// Plant parameters for a box described by the firmware's configuration: one power path per channel
// with that channel's shunt, so the emulated meters see what the firmware expects.
import { BoxConfig } from "../../src/core/box_config"
import { PackParams } from "./pack"
import { PlantParams } from "./plant"

/** The reference pack: 4S2P NMC 21700-class cells, charged to 80 %. */
export function referencePack(): PackParams {
    return { chemistry: "NMC", series: 4, parallel: 2, cellCapacity_Ah: 4.0, cellR0_Ohm: 0.018, initialSoc: 0.8, wiring_Ohm: 0.01 }
}

/**
 * The reference pack with the full ground-truth model (RC pairs, hysteresis, temperature, charge efficiency,
 * self-discharge, ageing; cell.ts has the values). referencePack() stays the ideal model callers were built on.
 */
export function referencePackFull(): PackParams {
    return { ...referencePack(), model: "full" }
}

export function plantParamsFor(cfg: BoxConfig, pack: PackParams, ambient_C: number): PlantParams {
    return {
        pack,
        // eFuse on-resistance ~2.7 mOhm (TPS25983), the channel's shunt, and a metre of 1.5 mm² cable.
        outputs: cfg.channels.map(c => ({ switch_Ohm: 0.0027, shunt_Ohm: c.shunt_mOhm / 1000, cable_Ohm: 0.025 })),
        ambient_C,
    }
}
