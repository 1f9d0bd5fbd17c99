// Checks a board's configuration table. Boards are compiled in, so this runs where they are built and
// tested (npm run build checks every entry's table; the specs check the reference box), not on the
// device: the firmware's code space is better spent on the outputs.
import { BoxConfig } from "./box_config"
import { PRIORITIES } from "./load_policy"

/** Problems with a configuration, empty when it is usable. */
export function checkConfig(cfg: BoxConfig): string[] {
    const errors: string[] = []
    if (!cfg.channels || cfg.channels.length < 1 || cfg.channels.length > 8) errors.push("1 to 8 channels are supported")
    if (!(cfg.tick_ms >= 10 && cfg.tick_ms <= 1000)) errors.push("tick_ms must be 10..1000")
    const seen: number[] = []
    const outputs: number[] = []
    for (let i = 0; i < cfg.channels.length; i++) {
        const c = cfg.channels[i]
        const at = "channel " + i + ": "
        if (seen.indexOf(c.meterAddress) >= 0) errors.push(at + "meter address used twice")
        seen.push(c.meterAddress)
        if (outputs.indexOf(c.output) >= 0) errors.push(at + "output index used twice")
        outputs.push(c.output)
        if (!(c.output >= 0 && c.output <= 7 && Math.floor(c.output) === c.output)) errors.push(at + "output index must be 0..7")
        // 0x48-0x4f would collide with the TMP1075 hot-spot sensors (hardware/address-plan.json).
        if (!(c.meterAddress >= 0x40 && c.meterAddress <= 0x47)) errors.push(at + "INA228 address must be 0x40..0x47")
        if (!(c.shunt_mOhm > 0)) errors.push(at + "shunt_mOhm must be positive")
        if (!(c.minLimit_mA > 0 && c.minLimit_mA <= c.defaultLimit_mA && c.defaultLimit_mA <= c.rated_mA))
            errors.push(at + "limits must satisfy 0 < min <= default <= rated")
        if (!(c.minOut_mV >= 0 && c.minOut_mV < c.maxOut_mV)) errors.push(at + "output voltage window must satisfy 0 <= minOut_mV < maxOut_mV")
        if (["usb_a", "usb_c", "dc"].indexOf(c.kind) < 0) errors.push(at + "kind must be usb_a, usb_c or dc")
        if ((c.kind === "usb_c") !== (c.converterAddress > 0)) errors.push(at + "a usb_c channel, and only one, has a converter address")
        if (c.converterAddress > 0 && seen.indexOf(c.converterAddress) >= 0) errors.push(at + "converter address used twice")
        if (c.converterAddress > 0) seen.push(c.converterAddress)
        if (PRIORITIES.indexOf(c.priority) < 0) errors.push(at + "priority must be one of " + PRIORITIES.join(", "))
        if (c.stage_mV > 0 && !(c.minOut_mV < c.stage_mV && c.stage_mV < c.maxOut_mV)) errors.push(at + "the stage voltage must lie inside the output window")
    }
    const p = cfg.protection
    if (!p) errors.push("protection ratings are required")
    else {
        if (!(p.maxDischarge_mA > 0 && p.maxDischarge_mA < p.shortCircuit_mA)) errors.push("protection: need 0 < maxDischarge_mA < shortCircuit_mA")
        if (!(p.maxCharge_mA > 0)) errors.push("protection: maxCharge_mA must be positive")
        if (!(p.stageWarn_C < p.stageTrip_C)) errors.push("protection: stageWarn_C must be below stageTrip_C")
        if (!(p.kirchhoffTolerance_mA > 0)) errors.push("protection: kirchhoffTolerance_mA must be positive")
    }
    return errors
}
