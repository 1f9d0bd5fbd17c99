import { BatteryConfig } from "./battery/monitor"
import { referencePackConfig } from "./battery/pack_config"
import { defaultEstimatorConfig } from "./battery/estimator"
import { PackProtectionConfig, defaultPackProtection } from "./protection/rules"
import type { ChargeBoard } from "./charging/charge_controller"

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
    /** How often a faulted meter is probed again. */
    meterRetry_ms: number
    /** Flash wear budget per setting: this many writes at once, then one more per refill period. */
    settingsWriteBurst: number
    settingsWriteRefill_ms: number
    /** The pack, its AFE and the estimator. */
    battery: BatteryConfig
    /** Pack and power-stage ratings behind the protections (the cell limits come with the chemistry). */
    protection: PackProtectionConfig
    /** The charging hardware; absent on a box without a charger. */
    charger?: ChargerConfig
}

export interface ChargerConfig {
    /** AP33772S PD sink and BQ25756 charger on the bus. */
    pdAddress: number
    chargerAddress: number
    board: ChargeBoard
    /** The DC input's sense divider: connector mV per mV at the MCU's ADC pin. */
    dcSenseRatio: number
}

/** Per kind, its name then shunt mOhm, stage mV, output window mV min and max (hardware/README.md section 4). */
const KIND_ROWS: any[] = [
    // usb_a: shared 5 V buck, a TPS2595 per port; 10 mOhm shunt.
    "usb_a", 10, 5000, 4500, 5500,
    // usb_c: TPS55289 5-20 V with its IOUT_LIMIT; the window spans every PD voltage.
    "usb_c", 10, 5000, 4500, 21000,
    // dc: 12 V stage, then a TPS25983 whose R_ILIM sets the rating; 5 mOhm shunt.
    "dc", 5, 12000, 10800, 13200,
]

/** One row of a board's channel table (the meter sits at 0x40 + output). */
function channel(name: string, kind: string, output: number, rated_mA: number, converterAddress: number): ChannelConfig {
    // An unknown kind takes usb_a's row.
    let at = KIND_ROWS.indexOf(kind)
    if (at < 0) at = 0
    return { name, kind, output, meterAddress: 0x40 + output, shunt_mOhm: KIND_ROWS[at + 1], converterAddress, stage_mV: KIND_ROWS[at + 2], rated_mA, minLimit_mA: 100, defaultLimit_mA: rated_mA, minOut_mV: KIND_ROWS[at + 3], maxOut_mV: KIND_ROWS[at + 4], priority: "normal" }
}

export function referenceConfig(): BoxConfig {
    return {
        // The six outputs of the reference design (hardware/README.md section 4). Output n = OUT_EN<n> =
        // INA228 at 0x40 + n. Each entry's window is where its stage regulates; outside it is a fault.
        channels: [
            // USB-A: the TPS2595's R_ILM limits at about 3 A; the port is rated 2.4 A.
            channel("USB-A 1", "usb_a", 0, 2400, 0),
            channel("USB-A 2", "usb_a", 1, 2400, 0),
            // USB-C: 3 A (60 W at 20 V) through the converter at 0x74 / 0x75.
            channel("USB-C 1", "usb_c", 2, 3000, 0x74),
            channel("USB-C 2", "usb_c", 3, 3000, 0x75),
            // DC: R_ILIM ~300 Ohm (5.0 A) and ~182 Ohm (8.1 A).
            channel("12 V barrel", "dc", 4, 5000, 0),
            channel("12 V Anderson", "dc", 5, 8000, 0),
        ],
        tick_ms: 100,
        meterFailLimit: 3,
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
        // hardware/README.md, charging: the FB divider is sized for the reference 4S NMC pack (16.8 V); the
        // input stage takes 4.2-28 V, 3 A through a USB-C cable, 10 A at the DC inlet; DC sense 100k/10k.
        charger: {
            pdAddress: 0x52,
            chargerAddress: 0x6b,
            board: { dividerNominal_mV: 16800, inMin_mV: 4200, inMax_mV: 28000, usbCable_mA: 3000, dc_mA: 10000 },
            dcSenseRatio: 11,
        },
    }
}

/**
 * The simulator's board: the whole reference box, six outputs. (Until the heap was cut down it ran two:
 * docs/design.md, "memory"; `npm run heap` measures what is left.)
 */
export function simulatorConfig(): BoxConfig {
    return referenceConfig()
}
