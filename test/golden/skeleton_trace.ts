// The golden trace: a fixed input program (the plant side of the board, plus commands) replayed through
// the emulated INA228, the production driver and the supervisor. Inputs are exact binary fractions and
// no transcendental maths runs, so the VM and Node must produce the very same lines; both are compared
// with the committed skeleton_expected.ts (regenerate with `npm run golden:update` after a deliberate
// change, and review the diff).
import { Board } from "../../sim/board/board"
import { boardParamsFor } from "../../sim/board/board_params"
import { MemoryStore } from "../../sim/board/memory_store"
import { referenceConfig } from "../../src/core/box_config"
import { Supervisor } from "../../src/core/supervisor"
import { Snapshot } from "../../src/core/snapshot"

interface Segment {
    from_ms: number
    current_A: number
    voltage_V: number
    temp_C: number
}

/** What the load would draw with the switch closed, by time. */
const SEGMENTS: Segment[] = [
    { from_ms: 0, current_A: 1.5, voltage_V: 16, temp_C: 25 },
    { from_ms: 5000, current_A: 3.25, voltage_V: 15.5, temp_C: 31.25 },
    { from_ms: 8500, current_A: 2.5, voltage_V: 15.75, temp_C: 33.5 },
    { from_ms: 11000, current_A: 2.75, voltage_V: 15.75, temp_C: 40.5 },
    { from_ms: 13000, current_A: -0.125, voltage_V: 16.25, temp_C: 38 },
]

const COMMANDS: { at_ms: number; cmd: any }[] = [
    { at_ms: 1000, cmd: { kind: "channel.enable", channel: 0, on: true } },
    { at_ms: 8000, cmd: { kind: "channel.limit", channel: 0, limit_mA: 2000 } },
    { at_ms: 10000, cmd: { kind: "channel.limit", channel: 0, limit_mA: 9999 } },
    { at_ms: 10500, cmd: { kind: "channel.limit", channel: 0, limit_mA: 3000 } },
    { at_ms: 10600, cmd: { kind: "channel.enable", channel: 0, on: true } },
    { at_ms: 15000, cmd: { kind: "channel.enable", channel: 0, on: false } },
]

export const GOLDEN_DURATION_MS = 16000

function segmentAt(t_ms: number): Segment {
    let s = SEGMENTS[0]
    for (const x of SEGMENTS) if (x.from_ms <= t_ms) s = x
    return s
}

function line(s: Snapshot): string {
    const c = s.channels[0]
    return [s.t_ms, c.state, c.current_mA, c.voltage_mV, c.power_mW, c.energy_mWh, c.charge_mAh, c.limit_mA, c.dieTemp_dC, c.fresh ? 1 : 0].join(" ")
}

/** Runs the trace; one line per tick plus one per event. `pause` yields (VM step budget). */
export async function runGoldenTrace(pause: () => Promise<void>): Promise<string[]> {
    const cfg = referenceConfig()
    const board = new Board(boardParamsFor(cfg))
    const sup = new Supervisor(cfg, { bus: board.bus, enables: [board.enablePin(0)], heartbeat: board.heartbeatPin() }, new MemoryStore())
    const out: string[] = []
    // The pack behind the AFE: four cells at 3.875 V, feeding the output (plus 15 mA for the box itself);
    // a fixed picture, so the protections have sane readings. 100 ms of power-up before the firmware starts.
    const pack = (I: number) => ({ cell_V: [3.875, 3.875, 3.875, 3.875], current_A: I + 0.015, temp_C: 25, dieTemp_C: 25 })
    for (let k = 0; k < 10; k++) board.step(0.01, [{ current_A: 0, busVoltage_V: 0, dieTemp_C: 25 }], pack(0))
    await sup.start(0)
    let nextCmd = 0
    for (let t = 10; t <= GOLDEN_DURATION_MS; t += 10) {
        const seg = segmentAt(t)
        const closed = board.switchClosed(0)
        const I = closed ? seg.current_A : 0
        board.step(0.01, [{ current_A: I, busVoltage_V: closed ? seg.voltage_V : 0, dieTemp_C: seg.temp_C }], pack(I))
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
