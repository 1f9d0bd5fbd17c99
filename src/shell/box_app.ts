// The app shell: owns the supervisor timer and the Jacdac servers. DeviceScript only; everything it
// decides is delegated to the portable core.
import * as ds from "@devicescript/core"
import { startServer } from "@devicescript/server"
import { BoxConfig } from "../core/box_config"
import { BoxHardware, Supervisor } from "../core/supervisor"
import { SettingsStore } from "../core/io"
import { Snapshot } from "../core/snapshot"
import { errorText } from "../core/persist"
import { CoopChannelServer, updateChannelServer } from "./channel_server"
import { CoopBatteryServer } from "./battery_server"

export interface BoxApp {
    supervisor: Supervisor
}

type DsServerHook = typeof ds & { _onServerPacket(pkt: ds.Packet): Promise<void> }

/**
 * Jacdac requests handled at once, across every server. Each one holds a fiber, its packet and its answer
 * until the answer is sent; a client asking faster than the box answers (a dashboard polling six outputs,
 * or a slow sim link) would otherwise pile them up until the 64 KB heap runs out. Beyond the bound a
 * register read is dropped (clients ask again). Writes and commands are never dropped: a packet may be
 * acknowledged on arrival, before it is handled, so a dropped one could be a user's command lost silently
 * (and they only queue a command and return).
 */
const MAX_REQUESTS = 3

function logEvents(s: Snapshot): void {
    for (const e of s.events) {
        let who = "box"
        if (e.channel >= 0) who = "ch" + e.channel
        console.log(`${who} ${e.kind}${e.state ? " " + e.state : ""}: ${e.message}`)
    }
}

/**
 * Self-check, then serve: outputs stay off (sPin at reset, low here) until the user switches one on.
 * `onTick` lets the simulator entry step its emulated board from the same timer.
 */
export async function startBox(cfg: BoxConfig, hw: BoxHardware, store: SettingsStore): Promise<BoxApp> {
    // Between a tick's phases the VM gets a new slice (it stops a slice after ~128 K operations).
    hw.pause = async () => {
        await ds.sleep(0)
    }
    const sup = new Supervisor(cfg, hw, store)
    await sup.start(ds.millis())
    const first = sup.snapshot(ds.millis())
    logEvents(first)
    const servers: CoopChannelServer[] = []
    const submit = (raw: any) => sup.submit(raw, ds.millis())
    for (let i = 0; i < cfg.channels.length; i++) {
        const srv = new CoopChannelServer(i, first.channels[i], submit)
        startServer(srv, { roleName: "ch" + i })
        servers.push(srv)
    }
    const battery = new CoopBatteryServer(first.battery, submit)
    startServer(battery, { roleName: "battery" })
    // Bound the requests in flight (MAX_REQUESTS, above).
    const d = ds as DsServerHook
    const inner = d._onServerPacket
    let requests = 0
    d._onServerPacket = async (pkt: ds.Packet) => {
        if (requests >= MAX_REQUESTS) {
            if (pkt.isRegGet) return
        }
        requests++
        try {
            await inner(pkt)
        } finally {
            requests--
        }
    }
    let busy = false
    setInterval(async () => {
        // A tick that outlasts the period is skipped, never run twice at once.
        if (busy) return
        busy = true
        try {
            const snap = await sup.tick(ds.millis())
            logEvents(snap)
            for (let i = 0; i < servers.length; i++) await updateChannelServer(servers[i], snap.channels[i])
            battery.update(snap.battery, snap.faults, snap.charging)
        } catch (e) {
            // Never let an exception restart the program mid-flight; the missed heartbeat is the alarm.
            console.log("tick failed: " + errorText(e))
        }
        busy = false
    }, cfg.tick_ms)
    return { supervisor: sup }
}
