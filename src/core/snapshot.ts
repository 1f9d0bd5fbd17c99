import { BatterySnapshot } from "./battery/monitor"

// The one state model: each supervisor tick produces one Snapshot. Jacdac services, the simulator's view,
// logs (and later MQTT and BLE) all render it. Integers in named units so it prints exactly on the VM.

/** In the order of the Coop Channel service's State codes. */
export const CHANNEL_STATES = ["off", "on", "tripped", "fault", "starting", "limiting", "shed", "quota"]

export interface ChannelSnapshot {
    index: number
    /** The user's name for the output (the board's until they choose). */
    name: string
    /** "usb_a" | "usb_c" | "dc" */
    kind: string
    /** "critical" | "normal" | "sheddable" | "throttleable" */
    priority: string
    /** One of CHANNEL_STATES: off, starting (soft start), on, limiting (the converter holds the limit),
     * tripped, shed (low charge), quota (daily energy used), fault. */
    state: string
    /** Why the channel is in that state, for a person. */
    reason: string
    /** What the user asked for. */
    requested: boolean
    /** The voltage the output is set to make (USB-C: the PD contract's). */
    setVoltage_mV: number
    voltage_mV: number
    current_mA: number
    power_mW: number
    /** Lifetime energy through the output (the meter's accumulator, kept across restarts and wraps). */
    energy_mWh: number
    /** Energy in the present quota day, and the daily quota (0 = none). */
    today_mWh: number
    quota_Wh: number
    charge_mAh: number
    limit_mA: number
    /** The limit in force now: the user's, or less while load management throttles the output. */
    effectiveLimit_mA: number
    rated_mA: number
    dieTemp_dC: number
    /** False while the meter could not be read; the numbers are then the last good ones. */
    fresh: boolean
    /** How long the pack could feed this output alone at its present draw, s; -1 when idle or unknown. */
    runtime_s: number
}

export interface BoxEvent {
    t_ms: number
    channel: number
    /** "state" | "rejected" | "setting" */
    kind: string
    state: string
    message: string
}

export interface ChargingSnapshot {
    /** The input in use: "usb", "dc" or "" (none). */
    input: string
    /** "starting", "no input", "held", "too cold", "too hot", "charging", "topping", "done", "waiting" (a full
     * charge starts in time for the trip) or "fault" (the charger does not answer, or cannot charge this pack). */
    phase: string
    reason: string
    /** The input's voltage and current now: the PD contract, or the DC source's operating point; 0 when none. */
    input_mV: number
    input_mA: number
    /** Into the pack (the charger's ADC), mA. */
    charge_mA: number
    /** The ceiling in force (1000 while a full charge is due) and the owner's, per mille. */
    target_pm: number
    ceiling_pm: number
    /** Time left until the owner's "full by", s; -1 when none is set. */
    fullIn_s: number
    /** Per cell (bottom first): 1 while its balancing bleed is on. And the energy bled since boot, mWh. */
    balancing: number[]
    bled_mWh: number
}

export interface Snapshot {
    seq: number
    t_ms: number
    channels: ChannelSnapshot[]
    battery: BatterySnapshot
    /** Undefined on a box without a charger. */
    charging?: ChargingSnapshot
    /** Active problems, one sentence each. */
    faults: string[]
    /** Events since the previous snapshot. */
    events: BoxEvent[]
}
