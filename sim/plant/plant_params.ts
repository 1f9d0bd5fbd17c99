// Plant parameters for a box described by the firmware's configuration: one power path per channel
// with that channel's shunt, so the emulated meters see what the firmware expects.
import { BoxConfig, ChannelConfig } from "../../src/core/box_config"
import { OutputPathParams } from "./output_path"
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

/**
 * One output's power path by kind (hardware/README.md section 4). A pack-direct channel (stage_mV 0, the
 * one-output test board) is the eFuse, the shunt and a metre of 1.5 mm² cable, nothing else.
 *   usb_a: shared 5 V buck (efficiency 0.92), TPS2595 (34 mOhm, R_ILM ~3 A), advertises 2.4 A to a sink
 *   usb_c: TPS55289 (efficiency 0.94), a VBUS switch (~10 mOhm), 0.5 m USB-C cable (~0.05 Ohm)
 *   dc:    12 V stage (efficiency 0.94), TPS25983 (2.7 mOhm, R_ILIM: 5.0 A barrel, 8.1 A Anderson)
 */
export function outputPathFor(c: ChannelConfig): OutputPathParams {
    const shunt_Ohm = c.shunt_mOhm / 1000
    if (c.stage_mV === 0) return { switch_Ohm: 0.0027, shunt_Ohm, cable_Ohm: 0.025 }
    if (c.kind === "usb_a") return { switch_Ohm: 0.034, shunt_Ohm, cable_Ohm: 0.1, stage: "fixed", stage_V: c.stage_mV / 1000, efficiency: 0.92, efuseLimit_A: 3.0, advertised_A: 2.4 }
    if (c.kind === "usb_c") return { switch_Ohm: 0.01, shunt_Ohm, cable_Ohm: 0.05, stage: "converter", efficiency: 0.94 }
    return { switch_Ohm: 0.0027, shunt_Ohm, cable_Ohm: 0.025, stage: "fixed", stage_V: c.stage_mV / 1000, efficiency: 0.94, efuseLimit_A: c.rated_mA > 6000 ? 8.1 : 5.0 }
}

export function plantParamsFor(cfg: BoxConfig, pack: PackParams, ambient_C: number): PlantParams {
    return {
        pack,
        outputs: cfg.channels.map(c => outputPathFor(c)),
        ambient_C,
    }
}
