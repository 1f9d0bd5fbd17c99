// One Coop Channel Jacdac service per output. Reads render the latest Snapshot; writes become Commands
// for the supervisor's validator. A refused write changes nothing and sends `command_rejected`.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { CHANNEL_STATES, ChannelSnapshot } from "../core/snapshot"
import { PRIORITIES } from "../core/load_policy"
import { CommandResult } from "../core/commands"

export type Submit = (raw: any) => CommandResult

function stateCode(state: string): ds.CoopChannelState {
    return CHANNEL_STATES.indexOf(state)
}

/** Sends allowed in flight per server: a VM send takes ~20 ms; without a bound, a client polling faster
 * than that piles up fibers until the heap runs out. Dropped answers are retried by Jacdac clients. */
const MAX_INFLIGHT_SENDS = 4

type DsServerSend = typeof ds & { _serverSend(serviceIndex: number, pkt: ds.Packet): Promise<void> }

/** A server whose answers go through boundedSend(): `inflight` counts its sends in flight. */
interface BoundedServer {
    serviceIndex: number
    inflight: number
}

/** Server._send with a bound on sends in flight; beyond it the answer is dropped. */
export async function boundedSend(server: BoundedServer, pkt: ds.Packet): Promise<void> {
    if (server.inflight >= MAX_INFLIGHT_SENDS) return
    server.inflight = server.inflight + 1
    try {
        // Same as Server._send (super calls don't compile in DeviceScript).
        await (ds as DsServerSend)._serverSend(server.serviceIndex, pkt)
    } finally {
        server.inflight = server.inflight - 1
    }
}

/** Send the service's event `name` with its one field. */
export async function announce(server: Server, name: string, value: any): Promise<void> {
    await server.sendEvent(server.spec.lookup(name).encode(value))
}

/** A register write as a one-field channel command; a refusal is announced. */
async function submitWrite(server: CoopChannelServer, kind: string, field: string, value: any): Promise<void> {
    const raw: any = { kind, channel: server.index }
    raw[field] = value
    const r = server.submit(raw)
    if (!r.ok) await announce(server, "commandRejected", r.reason)
}

/** Give the server the new snapshot; announce a state change as an event. */
export async function updateChannelServer(server: CoopChannelServer, s: ChannelSnapshot): Promise<void> {
    // The channel refreshes one snapshot object in place: the state last announced is kept here.
    const prev = server.shownState
    server.snap = s
    server.shownState = s.state
    if (s.state === prev) return
    await announce(server, "stateChanged", stateCode(s.state))
    if (s.state === "tripped") await announce(server, "tripped", s.reason)
}

export class CoopChannelServer extends Server implements ds.CoopChannelServerSpec {
    readonly index: number
    readonly submit: Submit
    /** The latest snapshot, which the registers render (updateChannelServer). */
    snap: ChannelSnapshot
    /** The state last announced (stateChanged). */
    shownState: string
    inflight = 0

    constructor(index: number, first: ChannelSnapshot, submit: Submit) {
        super(ds.CoopChannel.spec)
        this.index = index
        this.snap = first
        this.shownState = first.state
        this.submit = submit
    }

    override async _send(pkt: ds.Packet) {
        await boundedSend(this, pkt)
    }

    enabled() {
        return this.snap.requested
    }
    async set_enabled(value: boolean) {
        // A bool written from jacdac-ts may arrive as 255.
        await submitWrite(this, "channel.enable", "on", !!value)
    }
    reading() {
        return this.snap.current_mA
    }
    currentLimit() {
        return this.snap.limit_mA
    }
    async set_currentLimit(value: number) {
        await submitWrite(this, "channel.limit", "limit_mA", value)
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
    name() {
        return this.snap.name
    }
    async set_name(value: string) {
        await submitWrite(this, "channel.name", "name", value)
    }
    priority(): ds.CoopChannelPriority {
        return PRIORITIES.indexOf(this.snap.priority)
    }
    async set_priority(value: ds.CoopChannelPriority) {
        await submitWrite(this, "channel.priority", "priority", PRIORITIES[value])
    }
    dailyQuota() {
        return this.snap.quota_Wh
    }
    async set_dailyQuota(value: number) {
        await submitWrite(this, "channel.quota", "quota_Wh", value)
    }
    outputVoltage() {
        return this.snap.setVoltage_mV
    }
    async set_outputVoltage(value: number) {
        await submitWrite(this, "channel.voltage", "voltage_mV", value)
    }
    energyToday() {
        return this.snap.today_mWh
    }
    telemetry(): [number, number, number, number, number, ds.CoopChannelState, boolean, boolean] {
        const s = this.snap
        return [s.voltage_mV, s.current_mA, s.power_mW, s.energy_mWh, s.limit_mA, stateCode(s.state), s.requested, s.fresh]
    }
}
