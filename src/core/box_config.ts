import { BatteryConfig } from "./battery/monitor"
import { referencePackConfig } from "./battery/pack_config"
import { defaultEstimatorConfig } from "./battery/estimator"
import { PackProtectionConfig, defaultPackProtection } from "./protection/rules"

// What the firmware knows about the box it runs on. One table per board build; the simulator's
// board is built from the same table, so firmware and emulated hardware always agree on addresses.

export interface ChannelConfig {
    /** Name the user sees until they choose their own ("USB-C 1"). */
    name: string
    /** "usb_a" (shared 5 V buck + TPS2595 eFuse), "usb_c" (TPS55289 buck-boost, PD source) or "dc" (12 V stage + TPS25983 eFuse). */
    kind: string
    /** Hardware output index n: enable line OUT_EN<n> (hardware/README.md, output channels). */
    output: number
    meterAddress: number
    shunt_mOhm: number
    /** TPS55289 address of a "usb_c" channel; 0 for channels without an I2C converter. */
    converterAddress: number
    /** Voltage the channel's stage makes when on (USB-C: 5 V until a PD contract asks for more). */
    stage_mV: number
    /** Hardware rating (eFuse current limit resistor, connector): no setting may exceed it. */
    rated_mA: number
    /** Smallest limit the meter can enforce meaningfully. */
    minLimit_mA: number
    defaultLimit_mA: number
    /** The output's voltage window while on: below is an overload or a failing source, above a back-feed. */
    minOut_mV: number
    maxOut_mV: number
    /** Priority class until the user chooses: "critical", "normal", "sheddable" or "throttleable". */
    priority: string
}

export interface BoxConfig {
    channels: ChannelConfig[]
    /** Supervisor period. */
    tick_ms: number
    /** Consecutive failed meter reads before the channel is put in the fault state. */
    meterFailLimit: number
    /** Consecutive readings above the limit before the firmware trips (backs up the hardware ALERT). */
    overcurrentTicks: number
    /** How often a faulted meter is probed again. */
    meterRetry_ms: number
    /** Flash wear budget per setting: this many writes at once, then one more per refill period. */
    settingsWriteBurst: number
    settingsWriteRefill_ms: number
    /** The pack, its AFE and the estimator. */
    battery: BatteryConfig
    /** Pack and power-stage ratings behind the protections (the cell limits come with the chemistry). */
    protection: PackProtectionConfig
}

function usbA(name: string, output: number): ChannelConfig {
    // TPS2595 with R_ILM for about 3 A; the port is rated 2.4 A. 10 mOhm shunt.
    return { name, kind: "usb_a", output, meterAddress: 0x40 + output, shunt_mOhm: 10, converterAddress: 0, stage_mV: 5000, rated_mA: 2400, minLimit_mA: 100, defaultLimit_mA: 2400, minOut_mV: 4500, maxOut_mV: 5500, priority: "normal" }
}

function usbC(name: string, output: number, converterAddress: number): ChannelConfig {
    // TPS55289 5-20 V with its IOUT_LIMIT; 3 A (60 W at 20 V). The window spans every PD voltage.
    return { name, kind: "usb_c", output, meterAddress: 0x40 + output, shunt_mOhm: 10, converterAddress, stage_mV: 5000, rated_mA: 3000, minLimit_mA: 100, defaultLimit_mA: 3000, minOut_mV: 4500, maxOut_mV: 21000, priority: "normal" }
}

function dc(name: string, output: number, rated_mA: number): ChannelConfig {
    // 12 V stage then a TPS25983 whose R_ILIM sets the rating. 5 mOhm shunt.
    return { name, kind: "dc", output, meterAddress: 0x40 + output, shunt_mOhm: 5, converterAddress: 0, stage_mV: 12000, rated_mA, minLimit_mA: 100, defaultLimit_mA: rated_mA, minOut_mV: 10800, maxOut_mV: 13200, priority: "normal" }
}

export function referenceConfig(): BoxConfig {
    return {
        // The six outputs of the reference design (hardware/README.md section 4). Output n = OUT_EN<n> =
        // INA228 at 0x40 + n. Each entry's window is where its stage regulates; outside it is a fault.
        channels: [
            usbA("USB-A 1", 0),
            usbA("USB-A 2", 1),
            usbC("USB-C 1", 2, 0x74),
            usbC("USB-C 2", 3, 0x75),
            dc("12 V barrel", 4, 5000),
            dc("12 V Anderson", 5, 8000),
        ],
        tick_ms: 100,
        meterFailLimit: 3,
        overcurrentTicks: 2,
        meterRetry_ms: 5000,
        settingsWriteBurst: 4,
        settingsWriteRefill_ms: 60000,
        battery: {
            afeAddress: 0x08,
            afeCrc: false,
            // BQ76907 covers 2-7S; the reference charger and the board's ratings stop at 6S.
            limits: { minSeries: 2, maxSeries: 6, maxParallel: 50 },
            defaultPack: referencePackConfig(),
            period_ms: 1000,
            estimator: defaultEstimatorConfig(),
        },
        protection: defaultPackProtection(),
    }
}

/** Problems with a configuration, empty when it is usable. */
export function checkConfig(cfg: BoxConfig): string[] {
    const errors: string[] = []
    if (!cfg.channels || cfg.channels.length < 1) errors.push("at least one channel is required")
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
