// One Coop Channel Jacdac service per output. Reads render the latest Snapshot; writes become Commands
// for the supervisor's validator. A refused write changes nothing and sends `command_rejected`.
import * as ds from "@devicescript/core"
import { SensorServer } from "@devicescript/server"
import { ChannelSnapshot } from "../core/snapshot"
import { CommandResult } from "../core/commands"

export type Submit = (raw: any) => CommandResult

function stateCode(state: string): ds.CoopChannelState {
    if (state === "on") return ds.CoopChannelState.On
    if (state === "tripped") return ds.CoopChannelState.Tripped
    if (state === "fault") return ds.CoopChannelState.Fault
    return ds.CoopChannelState.Off
}

export class CoopChannelServer extends SensorServer implements ds.CoopChannelServerSpec {
    private index: number
    private submit: Submit
    private snap: ChannelSnapshot

    constructor(index: number, first: ChannelSnapshot, submit: Submit) {
        super(ds.CoopChannel.spec, { interval: 500 })
        this.index = index
        this.snap = first
        this.submit = submit
    }

    /** Take the new snapshot; announce a state change as an event. */
    async update(s: ChannelSnapshot): Promise<void> {
        const prev = this.snap.state
        this.snap = s
        if (s.state !== prev) await this.sendEvent(this.spec.lookup("stateChanged").encode(stateCode(s.state)))
    }

    private async answer(r: CommandResult): Promise<void> {
        if (!r.ok) await this.sendEvent(this.spec.lookup("commandRejected").encode(r.reason))
    }

    enabled() {
        return this.snap.requested
    }
    async set_enabled(value: boolean) {
        // A bool written from jacdac-ts may arrive as 255.
        await this.answer(this.submit({ kind: "channel.enable", channel: this.index, on: !!value }))
    }
    reading() {
        return this.snap.current_mA
    }
    currentLimit() {
        return this.snap.limit_mA
    }
    async set_currentLimit(value: number) {
        await this.answer(this.submit({ kind: "channel.limit", channel: this.index, limit_mA: value }))
    }
    maxReading() {
        return this.snap.rated_mA
    }
    voltage() {
        return this.snap.voltage_mV
    }
    powerMw() {
        return this.snap.power_mW
    }
    energy() {
        return this.snap.energy_mWh
    }
    state() {
        return stateCode(this.snap.state)
    }
    stateReason() {
        return this.snap.reason
    }
    label() {
        return this.snap.name
    }
}
