import { BatterySnapshot } from "./battery/monitor"

// The one state model: each supervisor tick produces one Snapshot. Jacdac services, the simulator's view,
// logs (and later MQTT and BLE) all render it. Integers in named units so it prints exactly on the VM.

export const CHANNEL_STATES = ["off", "on", "tripped", "fault"]

export interface ChannelSnapshot {
    index: number
    name: string
    /** "off" | "on" | "tripped" | "fault" */
    state: string
    /** Why the channel is in that state, for a person. */
    reason: string
    /** What the user asked for. */
    requested: boolean
    /** What the firmware drives on the enable line. */
    enableDriven: boolean
    voltage_mV: number
    current_mA: number
    power_mW: number
    /** From the meter's hardware accumulator (since the meter's last power-up). */
    energy_mWh: number
    charge_mAh: number
    limit_mA: number
    rated_mA: number
    dieTemp_dC: number
    /** False while the meter could not be read; the numbers are then the last good ones. */
    fresh: boolean
    /** Age of the numbers. */
    age_ms: number
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

export interface Snapshot {
    seq: number
    t_ms: number
    channels: ChannelSnapshot[]
    battery: BatterySnapshot
    /** Active problems, one sentence each. */
    faults: string[]
    /** Events since the previous snapshot. */
    events: BoxEvent[]
}
