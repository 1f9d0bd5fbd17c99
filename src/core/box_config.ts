import { BatteryConfig } from "./battery/monitor"
import { referencePackConfig } from "./battery/pack_config"
import { defaultEstimatorConfig } from "./battery/estimator"
import { PackProtectionConfig, defaultPackProtection } from "./protection/rules"

// What the firmware knows about the box it runs on. One table per board build; the simulator's
// board is built from the same table, so firmware and emulated hardware always agree on addresses.

export interface ChannelConfig {
    /** Name the user sees ("DC barrel"). */
    name: string
    /** "dc_efuse" today; USB-C PD source and USB-A kinds come with the output-channel work. */
    kind: string
    /** Hardware output index n: enable line OUT_EN<n> (hardware/README.md, output channels). */
    output: number
    meterAddress: number
    shunt_mOhm: number
    /** Hardware rating (eFuse current limit resistor, connector): no setting may exceed it. */
    rated_mA: number
    /** Smallest limit the meter can enforce meaningfully. */
    minLimit_mA: number
    defaultLimit_mA: number
    /** The output's voltage window while on: below is an overload or a failing source, above a back-feed. */
    minOut_mV: number
    maxOut_mV: number
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

export function referenceConfig(): BoxConfig {
    return {
        channels: [
            {
                // The 12 V barrel output of the reference design (hardware/README.md): eFuse, INA228 at 0x44.
                name: "DC barrel",
                kind: "dc_efuse",
                output: 4,
                meterAddress: 0x44,
                shunt_mOhm: 5,
                rated_mA: 5000,
                minLimit_mA: 100,
                defaultLimit_mA: 4000,
                // Fed straight from the pack today (2S LFP at its cut-off is 5 V; 6S NMC full is 25.2 V).
                minOut_mV: 4500,
                maxOut_mV: 27000,
            },
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
