// Runs a scenario headless in simulated time: plant + emulated board + the production supervisor and
// drivers, stepped by plain loops (no timers), as fast as the machine allows.
import { Scenario } from "./scenario"
import { World } from "../board/world"
import { boardParamsFor } from "../board/board_params"
import { MemoryStore } from "../board/memory_store"
import { plantParamsFor } from "../plant/plant_params"
import { BoxConfig, referenceConfig } from "../../src/core/box_config"
import { Supervisor } from "../../src/core/supervisor"
import { BoxEvent, Snapshot } from "../../src/core/snapshot"

export interface ChannelResult {
    index: number
    name: string
    final_state: string
    final_reason: string
    energy_measured_Wh: number
    energy_true_Wh: number
    energy_err_pct: number
    hardware_trips: number
}

export interface ExpectationResult {
    at_s: number
    channel: number
    ok: boolean
    detail: string
}

export interface RunResult {
    scenario: string
    simulated_s: number
    wall_s: number
    ticks: number
    sim_speed_x: number
    channel_energy_measured_Wh: number
    channel_energy_true_Wh: number
    channels: ChannelResult[]
    commands_accepted: number
    commands_rejected: number
    rejections: string[]
    events: BoxEvent[]
    expectations: ExpectationResult[]
    expectations_failed: number
}

function round(x: number, digits: number): number {
    const s = Math.pow(10, digits)
    return Math.round(x * s) / s
}

export function configFor(s: Scenario): BoxConfig {
    const cfg = referenceConfig()
    cfg.tick_ms = s.tick_ms
    return cfg
}

export async function runScenario(s: Scenario, onTick?: (snap: Snapshot, world: World) => void): Promise<RunResult> {
    const wall0 = performance.now()
    const cfg = configFor(s)
    const world = new World(plantParamsFor(cfg, s.pack, s.ambient_C), boardParamsFor(cfg))
    for (const l of s.loads) world.plant.setLoad(l.channel, l)
    const board = world.board
    const enables = cfg.channels.map((c, i) => board.enablePin(i))
    const sup = new Supervisor(cfg, { bus: board.bus, enables, heartbeat: board.heartbeatPin() }, new MemoryStore())
    await sup.start(0)
    const dt_s = s.plant_dt_ms / 1000
    const steps = Math.round(s.duration_s / dt_s)
    let nextEvent = 0
    let nextExpect = 0
    let nextTick_ms = s.tick_ms
    let ticks = 0
    let accepted = 0
    const rejections: string[] = []
    const events: BoxEvent[] = sup.snapshot(0).events
    const expectations: ExpectationResult[] = []
    let snap: Snapshot = undefined
    for (let k = 1; k <= steps; k++) {
        const t_s = k * dt_s
        while (nextEvent < s.events.length && s.events[nextEvent].at_s <= t_s) {
            const e = s.events[nextEvent++]
            if (e.load) world.plant.setLoad(e.load.channel, e.load)
            else {
                const r = sup.submit(e.command)
                if (r.ok) accepted++
                else rejections.push(`${round(e.at_s, 3)} s: ${r.reason}`)
            }
        }
        world.step(dt_s)
        const t_ms = Math.round(t_s * 1000)
        if (t_ms >= nextTick_ms) {
            snap = await sup.tick(t_ms)
            nextTick_ms += s.tick_ms
            ticks++
            for (const e of snap.events) events.push(e)
            if (onTick) onTick(snap, world)
        }
        while (snap && nextExpect < s.expect.length && s.expect[nextExpect].at_s <= t_s) {
            const x = s.expect[nextExpect++]
            const c = snap.channels[x.channel]
            const problems: string[] = []
            if (x.state !== undefined && c.state !== x.state) problems.push(`state ${c.state} (${c.reason}), expected ${x.state}`)
            if (x.current_mA !== undefined && Math.abs(c.current_mA - x.current_mA) > x.tolerance_mA)
                problems.push(`current ${c.current_mA} mA, expected ${x.current_mA} +/- ${x.tolerance_mA}`)
            expectations.push({ at_s: x.at_s, channel: x.channel, ok: problems.length === 0, detail: problems.join("; ") || "ok" })
        }
    }
    const final = snap || sup.snapshot(steps * s.plant_dt_ms)
    const channels: ChannelResult[] = final.channels.map((c, i) => {
        const truth = world.plant.outputs[i].meteredEnergy_J / 3600
        const measured = c.energy_mWh / 1000
        return {
            index: i,
            name: c.name,
            final_state: c.state,
            final_reason: c.reason,
            energy_measured_Wh: round(measured, 4),
            energy_true_Wh: round(truth, 4),
            energy_err_pct: truth > 0 ? round(((measured - truth) / truth) * 100, 3) : 0,
            hardware_trips: board.trips[i],
        }
    })
    let mSum = 0
    let tSum = 0
    for (const c of channels) {
        mSum += c.energy_measured_Wh
        tSum += c.energy_true_Wh
    }
    const wall_s = (performance.now() - wall0) / 1000
    return {
        scenario: s.name,
        simulated_s: round(steps * dt_s, 3),
        wall_s: round(wall_s, 3),
        ticks,
        sim_speed_x: round((steps * dt_s) / wall_s, 1),
        channel_energy_measured_Wh: round(mSum, 4),
        channel_energy_true_Wh: round(tSum, 4),
        channels,
        commands_accepted: accepted,
        commands_rejected: rejections.length,
        rejections,
        events,
        expectations,
        expectations_failed: expectations.filter(x => !x.ok).length,
    }
}
