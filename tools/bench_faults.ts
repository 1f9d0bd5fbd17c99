// npm run bench:faults -- [--json] [fault ...]
// Injects each fault class into the simulated box (plant, chip emulators, emulated board, the production
// drivers and supervisor, in Node) and reports, per fault:
//   detected       the firmware (or the hardware layer) noticed: an event, a channel state, a trip
//   reaction_ms    simulated time from the fault's onset to the safe state
//   safe_state_ok  exactly the right things ended off (and everything else stayed as it was)
//   data_lost      after a restart on the same flash, something persisted (limits, learned battery state,
//                  counters, the fault log) was gone or refused
// plus budget_ms: what the target allows (hardware paths 1 ms; firmware faults their debounce plus two
// supervisor periods; slow physical faults count from when the measured value crossed the threshold).
// With --json: one JSON object per fault per line.
import { Rig } from "../sim/board/rig"
import { MemoryStore } from "../sim/board/memory_store"
import { referencePack } from "../sim/plant/plant_params"
import { PackParams } from "../sim/plant/pack"
import { limitKey } from "../src/core/supervisor"
import { OVERLOAD_ms } from "../src/core/channel"
import { unwrapSetting } from "../src/core/persist"
import { KEY_CAPACITY, KEY_COUNTERS, KEY_SOC } from "../src/core/battery/battery_store"

interface Outcome {
    fault: string
    detected: boolean
    reaction_ms: number
    safe_state_ok: boolean
    data_lost: boolean
    budget_ms: number
    within_budget: boolean
    detail: string
}

interface Case {
    fault: string
    /** Plant step, ms (small for the hardware paths). */
    plantDt_ms: number
    pack?: PackParams
    ambient_C?: number
    /** The load on channel 0 before the fault (ohms), and whether the output is on. */
    ohms: number
    on: boolean
    /** Longest wait for the safe state, ms of simulated time. */
    wait_ms: number
    budget_ms: number
    /** Start the fault; returns the onset time (ms) or -1 to take "now". */
    inject: (rig: Rig) => void
    /** Optional: a later onset, when the physics take time (the value crossing its threshold). */
    onset?: (rig: Rig) => boolean
    /** The safe state reached? */
    safe: (rig: Rig) => boolean
    /** Did the firmware or the hardware notice? */
    detected: (rig: Rig) => boolean
    /** Anything else that must hold at the end (the other outputs, the charge path...). */
    exact?: (rig: Rig) => string
    /** Restart on the same flash at the end and check nothing persisted was lost (default true). */
    restart?: boolean
    /** The output's priority class (default normal). */
    priority?: string
}

const TICK_ms = 100

function outputOff(rig: Rig): boolean {
    return !rig.world.board.switchClosed(0) && Math.abs(rig.world.plant.outputs[0].current_A) < 0.01
}

/** A protection trip event for this id, or for any id under it ("sensor.cell" matches "sensor.cell.range"). */
function protectionEvent(rig: Rig, id: string): boolean {
    return rig.events.some(e => e.kind === "protection" && e.message.indexOf(id) === 0 && e.message.indexOf(" trip:") > 0)
}

function chargePathOpen(rig: Rig): boolean {
    const afe: any = rig.world.board.afe
    return typeof afe.chgOn === "function" ? !afe.chgOn() : false
}

function dischargePathOpen(rig: Rig): boolean {
    const afe: any = rig.world.board.afe
    return typeof afe.dsgOn === "function" ? !afe.dsgOn() : false
}

/** Rewrite what the AFE answers to a read of its cell voltages (command 0x14): a fault on the wire. */
function onCellRead(rig: Rig, f: (data: number[]) => number[]): void {
    const afe = rig.cfg.battery.afeAddress
    rig.world.board.bus.readHook = (addr, write, data) => (addr === afe && write[0] === 0x14 && data.length >= 6 ? f(data) : data)
}

const CASES: Case[] = [
    {
        fault: "short_circuit",
        plantDt_ms: 0.1,
        ohms: 12,
        on: true,
        wait_ms: 50,
        budget_ms: 1,
        inject: rig => rig.world.plant.setLoad(0, { type: "resistive", ohms: 0.02 }),
        safe: outputOff,
        detected: rig => rig.world.board.trips[0] > 0,
    },
    {
        // ~7.4 A against the default 4 A limit: past the hardware trip (1.5 x the limit, capped at 6 A).
        fault: "overload",
        plantDt_ms: 0.1,
        ohms: 2,
        on: true,
        wait_ms: 50,
        budget_ms: 1,
        inject: rig => rig.world.plant.setLoad(0, { type: "resistive", ohms: 2 }),
        safe: outputOff,
        detected: rig => rig.world.board.trips[0] > 0,
        exact: rig => (rig.last.channels[0].state === "tripped" || rig.t_ms < 300 ? "" : "channel state " + rig.last.channels[0].state),
    },
    {
        // ~4.9 A against the 4 A limit: under the hardware trip, so the firmware's overload check (1.5 s
        // above the limit: inrush passes) trips it; it is then retried with back-off.
        fault: "sustained_overload",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 3000,
        budget_ms: OVERLOAD_ms + 2 * TICK_ms,
        inject: rig => rig.world.plant.setLoad(0, { type: "resistive", ohms: 3 }),
        safe: outputOff,
        detected: rig => rig.last.channels[0].state === "tripped" && rig.last.channels[0].reason.indexOf("(firmware)") > 0,
        exact: rig => (rig.world.board.trips[0] === 0 ? "" : "the hardware latch tripped"),
    },
    {
        fault: "firmware_stall",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 5000,
        budget_ms: 1750,
        inject: rig => {
            rig.firmwareRunning = false
        },
        safe: outputOff,
        detected: rig => rig.world.board.watchdogExpired,
        restart: false,
    },
    {
        fault: "i2c_error_storm",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        budget_ms: 3 * TICK_ms + 2 * TICK_ms,
        inject: rig => {
            rig.world.board.bus.faultHook = () => "bus stuck"
        },
        safe: outputOff,
        detected: rig => rig.last.channels[0].state === "fault",
        restart: false,
    },
    {
        fault: "afe_silent",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        budget_ms: 3500 + 2 * TICK_ms + 1000,
        inject: rig => {
            const afe = rig.cfg.battery.afeAddress
            rig.world.board.bus.faultHook = (addr: number) => (addr === afe ? "NACK" : "")
        },
        safe: outputOff,
        detected: rig => protectionEvent(rig, "sensor.afe.stale"),
    },
    {
        fault: "cell_undervoltage",
        plantDt_ms: 100,
        pack: { ...referencePack(), initialSoc: 0.03 },
        ohms: 6,
        on: true,
        // Critical: load management would shed a normal output at 10 % first; this case is the protection's.
        priority: "critical",
        wait_ms: 3600000,
        budget_ms: 2000 + 1000 + 2 * TICK_ms,
        inject: () => {},
        onset: rig => rig.world.plant.pack.minCellVoltage_V() < 2.8,
        safe: outputOff,
        detected: rig => protectionEvent(rig, "cell.uv"),
    },
    {
        fault: "kirchhoff_leak",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 20000,
        budget_ms: 3000 + 1000 + 2 * TICK_ms,
        inject: rig => {
            rig.world.plant.quiescent_A = 1.5
        },
        safe: outputOff,
        detected: rig => protectionEvent(rig, "kirchhoff"),
    },
    {
        fault: "stuck_switch",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        // Judged on readings taken with the switch commanded open (two, 200 ms), then its 500 ms debounce.
        budget_ms: 200 + 500 + 2 * TICK_ms,
        // The user switches the output off, but its switch has welded closed: only the pack's DSG FET can stop it.
        inject: rig => {
            rig.world.board.stuckClosed[0] = true
            rig.submit({ kind: "channel.enable", channel: 0, on: false })
        },
        safe: rig => dischargePathOpen(rig) && Math.abs(rig.world.plant.outputs[0].current_A) < 0.01,
        detected: rig => protectionEvent(rig, "ch0.switch.stuck"),
        exact: rig => (rig.sup.protector.latchedIds().indexOf("ch0.switch.stuck") < 0 ? "not latched" : ""),
    },
    {
        fault: "output_stage_overheat",
        plantDt_ms: 10,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        budget_ms: 1000 + 2 * TICK_ms,
        // The output's power stage runs 80 C above ambient (a blocked fan, a failing switch).
        inject: rig => {
            rig.world.stageHeat_C[0] = 80
        },
        safe: outputOff,
        detected: rig => protectionEvent(rig, "ch0.stage.hot"),
        exact: rig => (dischargePathOpen(rig) ? "the pack was cut too; only the output should be" : ""),
    },
    {
        fault: "cell_overvoltage",
        plantDt_ms: 100,
        pack: { ...referencePack(), initialSoc: 0.97 },
        ohms: 12,
        on: false,
        wait_ms: 3600000,
        budget_ms: 1000 + 1000 + 2 * TICK_ms,
        // A charger set far too high (4.5 V a cell): only the protections stand between it and the cells.
        inject: rig => rig.world.plant.setCharger({ voltage_V: 18.0, current_A: 4 }),
        onset: rig => rig.world.plant.pack.maxCellVoltage_V() > 4.25,
        safe: rig => chargePathOpen(rig) && rig.world.plant.chargerCurrent_A < 0.01,
        detected: rig => protectionEvent(rig, "cell.ov"),
        exact: rig => (dischargePathOpen(rig) ? "discharge path open too" : ""),
    },
    {
        fault: "input_overcurrent",
        plantDt_ms: 100,
        pack: { ...referencePack(), initialSoc: 0.3 },
        ohms: 12,
        on: false,
        wait_ms: 20000,
        budget_ms: 2000 + 1000 + 2 * TICK_ms,
        // A source at the input that pushes 9 A (the box takes 6 A): until the input port is metered, the
        // firmware sees it as charge current into the pack, and the CHG FET stops it.
        inject: rig => rig.world.plant.setCharger({ voltage_V: 16.8, current_A: 9 }),
        safe: rig => chargePathOpen(rig) && rig.world.plant.chargerCurrent_A < 0.01,
        // The AFE's own OCC (1 s delay) or the firmware's (on the once-a-second pack reading), whichever first.
        detected: rig => protectionEvent(rig, "pack.occ") || protectionEvent(rig, "afe.occ"),
        exact: rig => (dischargePathOpen(rig) ? "discharge path open too" : ""),
    },
    {
        fault: "cold_charging",
        plantDt_ms: 100,
        ambient_C: -5,
        ohms: 12,
        on: false,
        wait_ms: 10000,
        budget_ms: 2 * TICK_ms,
        // The pack is at -5 C before the charger arrives: the CHG FET is already off, nothing flows.
        inject: rig => rig.world.plant.setCharger({ voltage_V: 16.8, current_A: 2 }),
        safe: rig => chargePathOpen(rig) && rig.world.plant.chargerCurrent_A < 0.01,
        detected: rig => protectionEvent(rig, "temp.charge.cold"),
        exact: rig => (dischargePathOpen(rig) ? "discharge path open too (discharging is fine at -5 C)" : ""),
    },
    {
        fault: "overheating",
        plantDt_ms: 1000,
        ohms: 12,
        on: true,
        wait_ms: 6 * 3600000,
        budget_ms: 2000 + 1000 + 2 * TICK_ms,
        // A box left in a hot car: the pack warms towards 80 C.
        inject: rig => {
            rig.world.plant.ambient_C = 80
        },
        // Onset: the temperature the AFE's thermistor sees crosses the limit.
        onset: rig => rig.world.packPhysics().temp_C > 60,
        safe: rig => outputOff(rig) && dischargePathOpen(rig),
        detected: rig => protectionEvent(rig, "temp.discharge.hot"),
    },
    {
        fault: "sensor_stuck",
        plantDt_ms: 100,
        ohms: 12,
        on: true,
        wait_ms: 120000,
        budget_ms: 60000 + 1000 + 2 * TICK_ms,
        // The AFE answers every read with its last answer: fresh-looking numbers that never move.
        inject: rig => {
            const afe = rig.cfg.battery.afeAddress
            const seen: { [key: string]: number[] } = {}
            rig.world.board.bus.readHook = (addr, write, data) => {
                if (addr !== afe || data.length === 0) return data
                const k = write.join(",")
                if (!seen[k]) seen[k] = data.slice(0)
                return seen[k].slice(0)
            }
        },
        safe: rig => outputOff(rig) && dischargePathOpen(rig),
        detected: rig => protectionEvent(rig, "sensor.afe.stuck"),
    },
    {
        fault: "sensor_garbled",
        plantDt_ms: 100,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        budget_ms: 1000 + 1000 + 2 * TICK_ms,
        // The AFE's cell readings come back with their high bytes garbled (noise on the bus, no CRC).
        inject: rig => onCellRead(rig, data => data.map((b, i) => (i % 2 === 1 ? b ^ 0x5a : b))),
        safe: rig => outputOff(rig) && dischargePathOpen(rig),
        detected: rig => protectionEvent(rig, "sensor.cell"),
    },
    {
        fault: "open_sense_wire",
        plantDt_ms: 100,
        ohms: 12,
        on: true,
        wait_ms: 10000,
        budget_ms: 1000 + 1000 + 2 * TICK_ms,
        // Cell 3's sense wire comes loose: the AFE reads that input as 0 V.
        inject: rig =>
            onCellRead(rig, data => {
                const d = data.slice(0)
                d[4] = 0
                d[5] = 0
                return d
            }),
        safe: rig => outputOff(rig) && dischargePathOpen(rig),
        detected: rig => protectionEvent(rig, "sensor.cell.open"),
    },
    {
        fault: "cell_count_mismatch",
        plantDt_ms: 100,
        ohms: 12,
        on: false,
        wait_ms: 10000,
        budget_ms: 1000 + 1000 + 2 * TICK_ms,
        // The owner configures 6S on this 4S pack: two cell inputs read nothing.
        inject: rig => {
            rig.submit({ kind: "pack.config", pack: { chemistry: "NMC", series: 6, parallel: 2, cellCapacity_mAh: 4000 } })
        },
        safe: rig => dischargePathOpen(rig) && rig.submit({ kind: "channel.enable", channel: 0, on: true }).ok === false,
        detected: rig => protectionEvent(rig, "sensor.cell.open"),
        restart: false,
    },
]

/** Faults judged at boot, on what a restart finds in flash. */
async function settingsCases(): Promise<Outcome[]> {
    const out: Outcome[] = []
    // Corrupt records: each falls back on its own and says so; outputs stay off; nothing else is lost.
    {
        const rig = new Rig({ plantDt_ms: 10 })
        rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
        await rig.boot()
        rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2500 })
        await rig.advance(3000)
        const before = { ...rig.store.text }
        rig.store.text[limitKey(0)] = "{oops"
        rig.store.text[limitKey(0) + "~"] = "{oops"
        rig.store.text[KEY_CAPACITY] = "[1,2"
        rig.store.text[KEY_CAPACITY + "~"] = "[1,2"
        const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 10 })
        await again.boot()
        const notes = again.eventsOf("setting").map(e => e.message)
        const detected = notes.some(n => n.indexOf(KEY_CAPACITY) >= 0) && again.last.channels[0].limit_mA === again.cfg.channels[0].defaultLimit_mA
        const safe = again.last.channels[0].state === "off" && !again.world.board.switchClosed(0)
        // Everything not corrupted must have come back: the SOC record, the counters, the log.
        const kept = [KEY_SOC, KEY_COUNTERS].every(k => before[k] !== undefined && again.store.text[k] !== undefined) && notes.every(n => n.indexOf(KEY_SOC) < 0 && n.indexOf(KEY_COUNTERS) < 0)
        out.push({ fault: "corrupt_settings", detected, reaction_ms: 0, safe_state_ok: safe, data_lost: !kept, budget_ms: 0, within_budget: true, detail: notes.join("; ") })
    }
    // Power lost in the middle of writing a new limit: the shadow copy (or the old value) comes back, never garbage.
    {
        const rig = new Rig({ plantDt_ms: 10 })
        rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
        await rig.boot()
        await rig.advance(2000)
        rig.store.tearKey = limitKey(0)
        rig.submit({ kind: "channel.limit", channel: 0, limit_mA: 2500 })
        await rig.advance(TICK_ms) // the write is torn half-way and the box loses power right there
        const torn = rig.store.text[limitKey(0)]
        const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 10 })
        await again.boot()
        const limit = again.last.channels[0].limit_mA
        const notes = again.eventsOf("setting").map(e => e.message)
        const batteryOk = notes.every(n => n.indexOf("bat.") < 0)
        out.push({
            fault: "power_loss_mid_write",
            // Noticed: the torn record is not a complete one, and the read fell back to the shadow copy.
            detected: !completeRecord(torn) && limit === 2500,
            reaction_ms: 0,
            safe_state_ok: again.last.channels[0].state === "off",
            data_lost: limit !== 2500 || !batteryOk,
            budget_ms: 0,
            within_budget: true,
            detail: "torn text " + JSON.stringify(torn) + ", limit after restart " + limit + " mA" + (notes.length ? "; " + notes.join("; ") : ""),
        })
    }
    return out
}

function completeRecord(text: string): boolean {
    try {
        return unwrapSetting(JSON.parse(text)) !== undefined
    } catch (e) {
        return false
    }
}

async function settle(rig: Rig, ms: number): Promise<void> {
    await rig.advance(ms)
}

/** What a restart on the same flash restores: problems reported, and the battery records that came back. */
async function restartCheck(rig: Rig, before: { [key: string]: string }): Promise<string> {
    const again = new Rig({ world: rig.world, store: rig.store, plantDt_ms: 10 })
    await again.start()
    await again.advance(1500)
    const problems = again.eventsOf("setting").map(e => e.message)
    const lost: string[] = []
    for (const k of Object.keys(before)) if (rig.store.text[k] === undefined) lost.push(k + " missing")
    return problems.concat(lost).join("; ")
}

async function runCase(c: Case): Promise<Outcome> {
    const store = new MemoryStore()
    const rig = new Rig({ plantDt_ms: c.plantDt_ms, pack: c.pack, ambient_C: c.ambient_C, store })
    rig.world.plant.setLoad(0, { type: "resistive", ohms: c.ohms })
    await rig.start()
    await settle(rig, 3000)
    if (c.priority) rig.submit({ kind: "channel.priority", channel: 0, priority: c.priority })
    if (c.on) {
        const r = rig.submit({ kind: "channel.enable", channel: 0, on: true })
        if (!r.ok) return { fault: c.fault, detected: false, reaction_ms: -1, safe_state_ok: false, data_lost: false, budget_ms: c.budget_ms, within_budget: false, detail: "could not switch on: " + r.reason }
        await settle(rig, 1000)
    }
    // What must survive: every record saved so far.
    await settle(rig, 1000)
    const before: { [key: string]: string } = {}
    for (const k of Object.keys(store.text)) before[k] = store.text[k]
    let onset = rig.t_ms
    c.inject(rig)
    let onsetSeen = c.onset === undefined
    let safeAt = -1
    const step = c.plantDt_ms < 1 ? 0.1 : c.plantDt_ms
    const end = rig.t_ms + c.wait_ms
    while (rig.t_ms < end) {
        await rig.advance(step < TICK_ms && c.plantDt_ms >= 1 ? TICK_ms : step)
        if (!onsetSeen && c.onset(rig)) {
            onsetSeen = true
            onset = rig.t_ms
        }
        if (onsetSeen && c.safe(rig)) {
            safeAt = rig.t_ms
            break
        }
    }
    // Let the firmware settle one more second and judge the end state.
    if (c.restart !== false) await settle(rig, 1000)
    const detected = c.detected(rig)
    const exact = c.exact ? c.exact(rig) : ""
    let dataProblems = ""
    if (c.restart !== false) dataProblems = await restartCheck(rig, before)
    const dataLost = dataProblems !== ""
    const reaction = safeAt < 0 ? -1 : Math.round((safeAt - onset) * 1000) / 1000
    return {
        fault: c.fault,
        detected,
        reaction_ms: reaction,
        safe_state_ok: safeAt >= 0 && exact === "",
        data_lost: dataLost,
        budget_ms: c.budget_ms,
        within_budget: safeAt >= 0 && reaction <= c.budget_ms,
        detail: [firstTrip(rig), exact, dataProblems].filter(x => x !== "").join("; "),
    }
}

/** The first protection trip of the run, for the report. */
function firstTrip(rig: Rig): string {
    const trips = rig.events.filter(e => e.kind === "protection" && e.message.indexOf(" trip:") > 0)
    return trips.length === 0 ? "" : "trips: " + trips.map(e => e.message.split(" ")[0] + " at " + e.t_ms + " ms").join(", ")
}

async function main(): Promise<void> {
    const args = process.argv.slice(2)
    const json = args.indexOf("--json") >= 0
    const names = args.filter(a => a !== "--json")
    const cases = names.length > 0 ? CASES.filter(c => names.indexOf(c.fault) >= 0) : CASES
    const outcomes: Outcome[] = []
    for (const c of cases) outcomes.push(await runCase(c))
    if (names.length === 0 || names.indexOf("corrupt_settings") >= 0 || names.indexOf("power_loss_mid_write") >= 0) {
        for (const o of await settingsCases()) if (names.length === 0 || names.indexOf(o.fault) >= 0) outcomes.push(o)
    }
    for (const o of outcomes) {
        if (json) console.log(JSON.stringify(o))
        else
            console.log(
                `${o.fault.padEnd(20)} detected ${o.detected ? "yes" : "NO "} | reaction ${String(o.reaction_ms).padStart(9)} ms (budget ${o.budget_ms}) ${o.within_budget ? "ok" : "OVER"} | safe state ${o.safe_state_ok ? "ok" : "WRONG"} | data lost ${o.data_lost ? "YES" : "no"}${o.detail ? " | " + o.detail : ""}`,
            )
    }
}

void main()
