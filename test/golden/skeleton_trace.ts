// The golden trace: a fixed program (the plant side of the board, plus commands). Node runs it through
// the emulated board (INA228, AFE), the production drivers and the supervisor, recording every I2C
// transaction (skeleton_record.ts); both runtimes then replay the firmware against that recording and
// must print the committed lines exactly (skeleton_expected.ts; regenerate with `npm run golden:update`
// after a deliberate change, and review the diff).
import { oneOutputConfig } from "../../sim/board/test_boards"
import { MemoryStore } from "../../sim/board/memory_store"
import { referenceConfig } from "../../src/core/box_config"
import { Supervisor } from "../../src/core/supervisor"
import { Snapshot } from "../../src/core/snapshot"
import { DigitalOut } from "../../src/core/io"
import { ReplayBus } from "./replay_bus"

export interface Segment {
    from_ms: number
    current_A: number
    voltage_V: number
    temp_C: number
}

/** What the load would draw with the switch closed, by time. */
export const SEGMENTS: Segment[] = [
    { from_ms: 0, current_A: 1.5, voltage_V: 16, temp_C: 25 },
    { from_ms: 3000, current_A: 3.25, voltage_V: 15.5, temp_C: 31.25 },
    { from_ms: 5000, current_A: 2.5, voltage_V: 15.75, temp_C: 33.5 },
    { from_ms: 6500, current_A: 2.75, voltage_V: 15.75, temp_C: 40.5 },
    { from_ms: 8000, current_A: -0.125, voltage_V: 16.25, temp_C: 38 },
]

// Kept short: the VM image holds the whole transcript as strings, and an image past ~110 KB never starts.
export const COMMANDS: { at_ms: number; cmd: any }[] = [
    { at_ms: 1000, cmd: { kind: "channel.enable", channel: 0, on: true } },
    { at_ms: 4500, cmd: { kind: "channel.limit", channel: 0, limit_mA: 2000 } },
    { at_ms: 5500, cmd: { kind: "channel.limit", channel: 0, limit_mA: 9999 } },
    { at_ms: 5800, cmd: { kind: "channel.limit", channel: 0, limit_mA: 3000 } },
    { at_ms: 5900, cmd: { kind: "channel.enable", channel: 0, on: true } },
    { at_ms: 9000, cmd: { kind: "channel.enable", channel: 0, on: false } },
]

export const GOLDEN_DURATION_MS = 10000

export function segmentAt(t_ms: number): Segment {
    let s = SEGMENTS[0]
    for (const x of SEGMENTS) if (x.from_ms <= t_ms) s = x
    return s
}

function line(s: Snapshot): string {
    const c = s.channels[0]
    return [s.t_ms, c.state, c.current_mA, c.voltage_mV, c.power_mW, c.energy_mWh, c.charge_mAh, c.limit_mA, c.dieTemp_dC, c.fresh ? 1 : 0].join(" ")
}

/** A pin that goes nowhere: in the replay the chips' answers already reflect the switch states. */
class NoPin implements DigitalOut {
    write(high: boolean): void {}
}

/**
 * Drive a supervisor through the fixed program: `stepBoard(t)` advances whatever is behind its bus by 10 ms
 * (the emulated board when recording, nothing when replaying); one line per tick plus one per event.
 */
export async function driveGolden(sup: Supervisor, stepBoard: (t_ms: number) => void, pause: () => Promise<void>): Promise<string[]> {
    const cfg = sup.cfg
    const out: string[] = []
    await sup.start(0)
    let nextCmd = 0
    for (let t = 10; t <= GOLDEN_DURATION_MS; t += 10) {
        stepBoard(t)
        while (nextCmd < COMMANDS.length && COMMANDS[nextCmd].at_ms <= t) {
            const r = sup.submit(COMMANDS[nextCmd++].cmd, t)
            out.push("C " + t + " " + (r.ok ? "ok" : "refused: " + r.reason))
        }
        if (t % cfg.tick_ms === 0) {
            const s = await sup.tick(t)
            out.push(line(s))
            for (const e of s.events) out.push("E " + e.t_ms + " ch" + e.channel + " " + e.kind + (e.state ? " " + e.state : "") + ": " + e.message)
            if (t % 500 === 0) await pause()
        }
    }
    return out
}

/** The firmware against the recorded chip answers (VM and Node). `transcript` is in chunks of records. */
export async function runGoldenTrace(requests: string[], transcript: string[], pause: () => Promise<void>): Promise<{ lines: string[]; used: number; left: number }> {
    const bus = new ReplayBus(requests, transcript, pause)
    const sup = new Supervisor(oneOutputConfig(), { bus, enables: [new NoPin()], heartbeat: new NoPin() }, new MemoryStore())
    const lines = await driveGolden(sup, () => {}, pause)
    await pause()
    return { lines, used: bus.used, left: bus.remaining() }
}
