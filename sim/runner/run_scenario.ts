// Runs a scenario headless in simulated time on a Rig (plant + emulated board + the production
// supervisor and drivers), as fast as the machine allows.
import { oneOutputConfig } from "../board/test_boards"
import { Scenario, ScenarioEvent } from "./scenario"
import { MemoryStore } from "../board/memory_store"
import { KEY_PACK } from "../../src/core/battery/monitor"
import { CommandResult } from "../../src/core/commands"
import { Rig } from "../board/rig"
import { BoxConfig, referenceConfig } from "../../src/core/box_config"
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
    const cfg = oneOutputConfig()
    cfg.tick_ms = s.tick_ms
    cfg.battery.estimator.mode = s.estimatorMode
    return cfg
}

/** A rig set up as the scenario says: plant, sensor errors, and the pack the owner configured. */
export async function scenarioRig(s: Scenario): Promise<Rig> {
    const store = new MemoryStore()
    await store.write(KEY_PACK, s.firmwarePack)
    const rig = new Rig({ cfg: configFor(s), pack: s.pack, ambient_C: s.ambient_C, plantDt_ms: s.plant_dt_ms, store, quiescent_A: s.quiescent_A })
    for (const l of s.loads) rig.world.plant.setLoad(l.channel, l)
    // The chip reports charge as positive: an offset is given in that sign.
    rig.world.board.afe.setErrors({ currentOffset_A: s.sensors.afeCurrentOffset_A, currentGain: s.sensors.afeCurrentGain })
    await rig.boot()
    return rig
}

/** Apply one plant-side or command event; returns the command's result for commands. */
export function applyEvent(rig: Rig, e: ScenarioEvent): CommandResult {
    if (e.load) rig.world.plant.setLoad(e.load.channel, e.load)
    else if (e.charger !== undefined) rig.world.plant.setCharger(e.charger === null ? undefined : e.charger)
    else if (e.ambient_C !== undefined) rig.world.plant.ambient_C = e.ambient_C
    else return rig.submit(e.command)
    return undefined
}

function judge(x: Scenario["expect"][0], snap: Snapshot): ExpectationResult {
    const c = snap.channels[x.channel]
    const problems: string[] = []
    if (x.state !== undefined && c.state !== x.state) problems.push(`state ${c.state} (${c.reason}), expected ${x.state}`)
    if (x.current_mA !== undefined && Math.abs(c.current_mA - x.current_mA) > x.tolerance_mA)
        problems.push(`current ${c.current_mA} mA, expected ${x.current_mA} +/- ${x.tolerance_mA}`)
    return { at_s: x.at_s, channel: x.channel, ok: problems.length === 0, detail: problems.join("; ") || "ok" }
}

export async function runScenario(s: Scenario): Promise<RunResult> {
    const wall0 = performance.now()
    const rig = await scenarioRig(s)
    // Walk from one moment of interest (event, expectation, end) to the next.
    const moments = [...s.events.map(e => e.at_s), ...s.expect.map(x => x.at_s), s.duration_s].sort((a, b) => a - b)
    let nextEvent = 0
    let nextExpect = 0
    let accepted = 0
    const rejections: string[] = []
    const expectations: ExpectationResult[] = []
    for (const m of moments) {
        const target_ms = Math.round(m * 1000)
        if (target_ms > rig.t_ms) await rig.advance(target_ms - rig.t_ms)
        while (nextEvent < s.events.length && s.events[nextEvent].at_s <= m) {
            const e = s.events[nextEvent++]
            const r = applyEvent(rig, e)
            if (r && r.ok) accepted++
            else if (r) rejections.push(`${round(e.at_s, 3)} s: ${r.reason}`)
        }
        while (nextExpect < s.expect.length && s.expect[nextExpect].at_s <= m) expectations.push(judge(s.expect[nextExpect++], rig.last))
    }
    const channels: ChannelResult[] = rig.last.channels.map((c, i) => {
        const truth = rig.world.plant.outputs[i].meteredEnergy_J / 3600
        const measured = c.energy_mWh / 1000
        return {
            index: i,
            name: c.name,
            final_state: c.state,
            final_reason: c.reason,
            energy_measured_Wh: round(measured, 4),
            energy_true_Wh: round(truth, 4),
            energy_err_pct: truth > 0 ? round(((measured - truth) / truth) * 100, 3) : 0,
            hardware_trips: rig.world.board.trips[i],
        }
    })
    let mSum = 0
    let tSum = 0
    for (const c of channels) {
        mSum += c.energy_measured_Wh
        tSum += c.energy_true_Wh
    }
    const wall_s = (performance.now() - wall0) / 1000
    const simulated_s = rig.t_ms / 1000
    return {
        scenario: s.name,
        simulated_s: round(simulated_s, 3),
        wall_s: round(wall_s, 3),
        ticks: rig.ticks,
        sim_speed_x: round(simulated_s / wall_s, 1),
        channel_energy_measured_Wh: round(mSum, 4),
        channel_energy_true_Wh: round(tSum, 4),
        channels,
        commands_accepted: accepted,
        commands_rejected: rejections.length,
        rejections,
        events: rig.events,
        expectations,
        expectations_failed: expectations.filter(x => !x.ok).length,
    }
}
