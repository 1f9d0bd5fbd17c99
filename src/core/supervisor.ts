// The supervisor: one tick per period reads every meter, applies validated commands, judges each
// channel, feeds the watchdog and returns the Snapshot. Portable: the clock is passed in; the shell
// calls tick() from setInterval on a device, tests and the scenario runner call it from plain loops.
import { BoxConfig } from "./box_config"
import { ChannelControl, channelApplyEnable, channelEffectiveLimit_mA, channelHold, channelInit, channelLatest, channelLive, channelManage, channelPoll, channelPower_W, channelProtectionReading, channelSnapshot, channelRearm, channelRefusal, channelRelease } from "./channel"
import { EnergyBook, energyRestore, energySave, energyUpdate } from "./channel_energy"
import { THROTTLE_FRACTION, loadAction, shedBand_pm } from "./load_policy"
import { Tps55289 } from "../drivers/tps55289"
import { Command, CommandResult, validateCommand } from "./commands"
import { DigitalOut, SettingsStore } from "./io"
import { SettingsWriter, ShadowedStore, errorText } from "./persist"
import { BoxEvent, ChargingSnapshot, Snapshot } from "./snapshot"
import { Bus } from "../drivers/bus"
import { INA228_DIAG, Ina228, ina228Defaults } from "../drivers/ina228"
import { BatteryMonitor, applyPack, batteryProtectionProblem, batterySnapshot, batteryStep, emptyWalkAt, packRefusal, setPackPath, startRuntimes } from "./battery/monitor"
import { advanceRuntimeWalk } from "./battery/estimator"
import { RUNTIME_STEPS_PER_SLICE } from "./battery/runtime"
import { chemistryById } from "./battery/chemistry"
import { FaultLog, faultLogRestore } from "./protection/fault_log"
import { ACTION_CHARGE, ACTION_DISCHARGE, implausibleCell_mV, ruleWhat } from "./protection/rules"
import { FF } from "./protection/fault"
import { STAGE_EFF_MIN, AFE_COV, AFE_CUV, AFE_OCC, AFE_OCD, AFE_SCD, AFE_TEMP_CHG, AFE_TEMP_DSG, Protector, describeFaults, faultSentence, protectorActions, protectorClear, protectorEvaluate, protectorHolding, restoreLatched } from "./protection/protector"
import { BQ76907_PROT } from "../drivers/bq76907"
// A type only: a box without a charger carries none of the charging code (the shell passes one in).
import type { ChargingPort } from "./charging/charge_controller"

export interface BoxHardware {
    bus: Bus
    /** One enable line per configured channel. */
    enables: DigitalOut[]
    heartbeat: DigitalOut
    /**
     * Called between the phases of a tick (channels, battery, runtimes). The shell yields the VM here
     * (its slices are bounded); tests and the runner pass nothing.
     */
    pause?: () => Promise<void>
    /** The charger (USB-C PD sink, DC input, charger, balancing); absent on a box without one. */
    charging?: ChargingPort
}

/** Safety Status B bits (TRM; docs/bq76907-facts.md): 7 OTD, 6 OTC, 5 UTD, 4 UTC. */
const SSB_OTD = 0x80
const SSB_OTC = 0x40
const SSB_UTD = 0x20
const SSB_UTC = 0x10

/** The AFE's Safety Status A and B as the protector's AFE_* bits. */
function afeTrips(status: number, statusB: number): number {
    let t = 0
    if ((statusB & (SSB_OTC | SSB_UTC)) !== 0) t |= AFE_TEMP_CHG
    if ((statusB & (SSB_OTD | SSB_UTD)) !== 0) t |= AFE_TEMP_DSG
    if ((status & BQ76907_PROT.COV) !== 0) t |= AFE_COV
    if ((status & BQ76907_PROT.CUV) !== 0) t |= AFE_CUV
    if ((status & BQ76907_PROT.SCD) !== 0) t |= AFE_SCD
    if ((status & (BQ76907_PROT.OCD1 | BQ76907_PROT.OCD2)) !== 0) t |= AFE_OCD
    if ((status & BQ76907_PROT.OCC) !== 0) t |= AFE_OCC
    return t
}

/** How long every output is watched with its switch open at boot (the stuck-switch debounce and a margin). */
const SWITCH_TEST_ms = 700

/** Settings key of the latched faults' ids (they survive a restart: only a person clears them). */
export const KEY_LATCHED = "latched"

/** Settings key of a channel's user limit (keys must stay <= 13 characters). */
export function limitKey(channel: number): string {
    return "lim" + channel
}

/** Settings key of the charging record [ceiling_pm, hours since the last full charge or -1]. */
export const KEY_CHARGE = "charge"
const HOUR_ms = 3600000

/** What a channel restores, in order: its limit (own key) and the three fields of its prefs record. */
const RESTORED_KINDS = ["channel.limit", "channel.name", "channel.priority", "channel.quota"]
const RESTORED_FIELDS = ["limit_mA", "name", "priority", "quota_Wh"]

/** Settings keys of a channel's user choices [name, priority, quota_Wh] and of its energy record. */
export function prefsKey(channel: number): string {
    return "cu" + channel
}
export function energyKey(channel: number): string {
    return "en" + channel
}


export class Supervisor {
    readonly cfg: BoxConfig
    readonly channels: ChannelControl[] = []
    // Not private: this file's helper functions (note, protect, applyQueued...) share them with the class.
    hw: BoxHardware
    settings: SettingsWriter
    store: SettingsStore
    queue: Command[] = []
    events: BoxEvent[] = []
    /** Undefined until the first tick toggles it (then true, false, ...). */
    heartbeatLevel: boolean
    now_ms = 0
    readonly battery: BatteryMonitor
    /** Set by start() before any tick reads it. */
    lastBattery_ms: number
    lastCharge: number[] = []
    readonly energy: EnergyBook[] = []
    seq = 0
    started = false
    readonly faultLog: FaultLog
    /** Undefined until start(). */
    protector: Protector
    savedLatched = ""
    /** Empty once the boot self-check passed; until then every output is refused, with this reason. */
    selfCheck = "not run yet"
    /** Set by start(). */
    boot_ms: number
    readonly charging: ChargingPort
    /** The charging record last saved (JSON); undefined until one is restored or saved. */
    /** The charging record as last saved: [ceiling_pm, hours since the last full charge or -1]. */
    savedCharge: number[] = []
    runtimeTurn = 0

    constructor(cfg: BoxConfig, hw: BoxHardware, store: SettingsStore) {
        if (hw.enables.length !== cfg.channels.length) throw new Error("need one enable line per channel")
        this.cfg = cfg
        this.hw = hw
        const self = this
        const charging = hw.charging
        this.charging = charging
        if (charging) charging.note = m => note(self, -1, "charge", m)
        // Torn writes (a power loss mid-write) fall back to the shadow copy: nothing saved is lost.
        const shadowed = new ShadowedStore(store)
        this.store = shadowed
        const settings = new SettingsWriter(shadowed, cfg.settingsWriteRefill_ms, cfg.settingsWriteBurst)
        this.settings = settings
        const sink = (ch: number, kind: string, state: string, message: string) => {
            self.events.push({ t_ms: self.now_ms, channel: ch, kind, state, message })
        }
        this.faultLog = new FaultLog(settings)
        this.battery = new BatteryMonitor(cfg.battery, cfg.protection, hw.bus, shadowed, settings, (kind, message) => note(self, -1, kind, message))
        for (let i = 0; i < cfg.channels.length; i++) {
            const c = cfg.channels[i]
            this.lastCharge.push(NaN)
            this.energy.push(new EnergyBook())
            const meter = new Ina228(hw.bus, ina228Defaults(c.meterAddress, c.shunt_mOhm, c.rated_mA * 1.25))
            const conv = c.converterAddress > 0 ? new Tps55289(hw.bus, c.converterAddress, c.shunt_mOhm) : undefined
            this.channels.push(new ChannelControl(i, c, meter, conv, hw.enables[i], sink))
        }
    }

    /** Restore settings (each checked like a command), then self-check every meter. Outputs stay off. */
    async start(now_ms: number): Promise<void> {
        this.now_ms = now_ms
        this.boot_ms = now_ms
        for (const ch of this.channels) {
            await restoreChannel(this, ch)
            await channelInit(ch, now_ms, this.cfg.meterRetry_ms)
        }
        await this.battery.start(now_ms)
        if (this.charging) await restoreCharge(this, now_ms)
        for (const p of await faultLogRestore(this.faultLog, this.store)) note(this, -1, "setting", p)
        const protector = makeProtector(this)
        this.protector = protector
        let latched: any
        try {
            latched = await this.store.read(KEY_LATCHED)
        } catch (e) {
            note(this, -1, "setting", `could not read the latched faults (${errorText(e)}); holding every output until a person clears them`)
            latched = ["boot.unknown"]
        }
        if (latched != null) {
            let ids: string[] = latched
            if (!(Array.isArray(latched) && latched.every((x: any) => typeof x === "string"))) {
                // A corrupt record cannot prove nothing was latched: hold everything off until a person looks.
                ids = ["cell.uv.deep"]
                note(this, -1, "setting", `saved latched faults ${JSON.stringify(latched)} unreadable; holding the outputs as if deeply discharged until a person clears it`)
            }
            const unknown = restoreLatched(protector, ids)
            if (unknown.length > 0) note(this, -1, "setting", "saved latched faults not in this firmware's catalogue: " + unknown.join(", "))
            this.savedLatched = protector.latchedIds().join(",")
        }
        // The boot self-check, outputs still off: one reading of every meter (with its switch open, so a
        // stuck switch shows) and of the pack, judged by every protection. Until it passes, each tick
        // judges again and every output is refused.
        await pollChannels(this, now_ms, true)
        await pauseHere(this)
        await batteryStep(this.battery, now_ms, NaN)
        this.lastBattery_ms = now_ms
        outputsCharge_C(this)
        await pauseHere(this)
        await protect(this, now_ms)
        if (this.selfCheck !== "") note(this, -1, "protection", "boot self-check not passed yet: " + this.selfCheck)
        this.started = true
    }

    /**
     * Validate a command from any source. Accepted commands are applied at the start of the next tick
     * (so they never interleave with the tick's bus traffic); the result says what will be applied.
     */
    submit(raw: any, now_ms?: number): CommandResult {
        if (now_ms !== undefined) this.now_ms = now_ms
        const r = validateCommand(raw, this.cfg)
        if (!r.ok) {
            note(this, raw && typeof raw.channel === "number" ? raw.channel : -1, "rejected", r.reason)
            return r
        }
        // The stateful refusals, checked now so the answer is true.
        const c = r.applied
        const kind = c.kind
        const protector = this.protector
        let why = ""
        // Where the refusal is logged: the box, or the channel refused.
        let logChannel = -1
        let logPrefix = ""
        if (kind === "pack.config") {
            why = packRefusal(anyOutputOn(this))
            if (why === "") {
                if (protector) {
                    if (protector.latchedIds().length > 0) why = "a latched fault must be cleared before the pack configuration changes"
                }
            }
        } else if (kind === "fault.clear") {
            // Applied at once (nothing on the bus): the answer says whether it cleared.
            why = protector ? protectorClear(protector, c.fault, this.now_ms) : "not started"
            if (why === "") return r
            logPrefix = "fault.clear: "
        } else if (kind === "channel.enable") {
            logChannel = c.channel
            why = channelRefusal(this.channels[logChannel], c.on)
            if (why === "") {
                if (c.on) {
                    if (this.selfCheck !== "") why = `outputs stay off until the boot self-check passes (${this.selfCheck})`
                }
            }
        } else if (kind.indexOf("charge.") === 0) {
            if (!this.charging) why = "this box has no charger"
        }
        if (why === "") {
            this.queue.push(c)
            return r
        }
        note(this, logChannel, "rejected", logPrefix + why)
        return { ok: false, reason: why, applied: undefined }
    }

    async tick(now_ms: number): Promise<Snapshot> {
        this.now_ms = now_ms
        if (!this.started) await this.start(now_ms)
        await applyQueued(this)
        // The meters' accumulators are read when the battery steps (it counts their charge) and energy
        // is counted then; the other ticks read voltage, current and flags only.
        const battery = this.battery
        const batteryDue = now_ms - this.lastBattery_ms >= this.cfg.battery.period_ms
        await pollChannels(this, now_ms, batteryDue)
        if (batteryDue) {
            this.lastBattery_ms = now_ms
            await pauseHere(this)
            await batteryStep(battery, now_ms, outputsCharge_C(this))
            await manageLoads(this, now_ms)
            if (this.charging) await chargeStep(this, now_ms)
            // Time to empty / full: a walk of the pack model (the estimator's), a few steps per VM slice.
            let done = !startRuntimes(battery, now_ms)
            while (!done) {
                await pauseHere(this)
                done = advanceRuntimeWalk(battery.est, RUNTIME_STEPS_PER_SLICE)
            }
        }
        await pauseHere(this)
        await protect(this, now_ms)
        // Per-output runtimes: one walk of the pack model per 10 s, one output at a time (VM budget).
        if (this.seq % 100 === 50) await updateChannelRuntime(this)
        const problems = await this.settings.flush(now_ms)
        for (const p of problems) note(this, -1, "setting", p)
        // The heartbeat only toggles when a whole tick completed: a stalled or crashing loop lets the
        // external watchdog drop every output.
        const level = !this.heartbeatLevel
        this.heartbeatLevel = level
        this.hw.heartbeat.write(level)
        this.seq++
        return this.snapshot(now_ms)
    }

    /** The current state; events are handed out once. */
    snapshot(now_ms: number): Snapshot {
        const faults: string[] = []
        // The function itself, not an arrow around it: no closure compiled or built (map's extra arguments are ignored).
        const chans = this.channels.map(channelSnapshot)
        for (const c of chans) {
            const book = this.energy[c.index]
            c.energy_mWh = Math.round(book.life_J / 3.6)
            c.today_mWh = Math.round(book.day_J / 3.6)
            c.quota_Wh = book.quota_Wh
            if (c.state === "fault") faults.push(`${c.name}: ${c.reason}`)
        }
        const events = this.events
        this.events = []
        const battery = batterySnapshot(this.battery)
        if (battery.status === "fault") faults.push("battery: " + battery.reason)
        if (this.protector) for (const d of describeFaults(this.protector)) faults.push(d)
        let charging: ChargingSnapshot = undefined
        if (this.charging) {
            charging = this.charging.snapshot(now_ms)
            if (charging.phase === "fault") faults.push("charging: " + charging.reason)
        }
        return { seq: this.seq, t_ms: now_ms, channels: chans, battery, charging, faults, events }
    }
}

/** An event that changes no channel's state: a setting, a refusal, a protection, the charger. */
function note(sup: Supervisor, channel: number, kind: string, message: string): void {
    sup.events.push({ t_ms: sup.now_ms, channel, kind, state: "", message })
}

function makeProtector(sup: Supervisor): Protector {
    const cfg = sup.cfg
    // The channels' configs carry each output's voltage window, all the protector reads of them.
    return new Protector(chemistryById(sup.battery.pack.chemistry), cfg.protection, cfg.channels, sup.faultLog, (ch, kind, message) => note(sup, ch, kind, message))
}

/** Every meter read (and, when the battery steps, its accumulators and the energy counted). */
async function pollChannels(sup: Supervisor, now_ms: number, batteryDue: boolean): Promise<void> {
    const cfg = sup.cfg
    for (const ch of sup.channels) {
        await channelPoll(ch, now_ms, cfg.meterFailLimit, cfg.meterRetry_ms, batteryDue)
        if (batteryDue) countEnergy(sup, ch, now_ms)
    }
}

/** Judge every protection on the latest readings and apply what it says. */
async function protect(sup: Supervisor, now_ms: number): Promise<void> {
    const b = sup.battery
    const r = b.reading
    const p = sup.protector
    const batteryCfg = sup.cfg.battery
    const channels = sup.channels
    protectorEvaluate(p, {
        now_ms,
        cell_mV: r ? r.cell_mV : [],
        afeAge_ms: b.reading_ms < 0 ? 1e9 : now_ms - b.reading_ms,
        afePeriod_ms: batteryCfg.period_ms,
        pack_mA: r ? r.current_A * 1000 : NaN,
        cellTemp_C: r ? (r.ts_C === r.ts_C ? r.ts_C : r.dieTemp_C) : NaN,
        boardTemp_C: r ? r.dieTemp_C : NaN,
        channels: channels.map(channelProtectionReading),
        quiescent_mA: batteryCfg.estimator.quiescent_mA,
        afeTrips: r ? afeTrips(r.safetyStatusA, r.safetyStatusB) : 0,
    })
    for (let i = 0; i < channels.length; i++) {
        const k = protectorHolding(p, i)
        const ch = channels[i]
        if (k >= 0) {
            let why = faultSentence(p, k)
            if (p.faults[k][FF.LATCHED] !== 0) why += ": fault.clear once fixed"
            if (ch.holdReason !== why) channelHold(ch, why)
        } else channelRelease(ch)
    }
    const actions = protectorActions(p)
    await setPackPath(b, (actions & ACTION_CHARGE) === 0, (actions & ACTION_DISCHARGE) === 0, now_ms)
    const ids = p.latchedIds()
    const latched = ids.join(",")
    if (latched !== sup.savedLatched) {
        sup.savedLatched = latched
        sup.settings.set(KEY_LATCHED, ids)
    }
    if (sup.selfCheck !== "") sup.selfCheck = selfCheckProblem(sup, now_ms)
}

/** Why the boot self-check has not passed yet, or "" once it has. */
function selfCheckProblem(sup: Supervisor, now_ms: number): string {
    for (const ch of sup.channels) {
        // A channel held off by a protection is judged by that protection, below.
        if (ch.state === "fault") {
            if (ch.holdReason === "") return `${ch.cfg.name}: ${ch.reason}`
        }
    }
    for (const ch of sup.channels) if (!channelSnapshot(ch).fresh) return ch.cfg.name + ": no reading with the switch open yet"
    const b = sup.battery
    if (b.status === "fault") return "battery: " + b.reason
    if (b.reading_ms < 0) return "no pack reading yet"
    const bad = implausibleCell_mV(b.reading.cell_mV)
    if (bad === bad) return `implausible cell reading ${bad} mV`
    const why = batteryProtectionProblem(b)
    if (why !== "") return why
    const p = sup.protector
    for (let k = 0; k < p.faults.length; k++) {
        if (p.faults[k][FF.ACTIVE] !== 0) {
            // A row starts with its id (and the pack's sensor rules have no output prefix).
            if (p.rows[k].indexOf("sensor.") === 0) return "pack sensors: " + ruleWhat(p.rows[k])
        }
    }
    // The output-switch test: every switch held open long enough for the stuck-switch rule to judge it.
    if (now_ms - sup.boot_ms < SWITCH_TEST_ms) return "output switch test running"
    return ""
}

/** A saved value, or undefined when missing or unreadable (said so). */
async function saved(sup: Supervisor, key: string, ch: number): Promise<any> {
    try {
        const v = await sup.store.read(key)
        return v === null ? undefined : v
    } catch (e) {
        note(sup, ch, "setting", `could not read setting ${key} (${errorText(e)}); using the default`)
        return undefined
    }
}

/**
 * The user's limit, name, priority class and quota for a channel (each checked like the command that
 * set it; a refused one falls back to the default and says so), and its energy record.
 */
async function restoreChannel(sup: Supervisor, ch: ChannelControl): Promise<void> {
    const i = ch.index
    const prefs = await saved(sup, prefsKey(i), i)
    const values = [await saved(sup, limitKey(i), i)]
    for (let k = 0; k < 3; k++) values.push(prefs === undefined ? undefined : Array.isArray(prefs) ? prefs[k] : null)
    for (let k = 0; k < 4; k++) {
        const value = values[k]
        if (value === undefined) continue
        const kind = RESTORED_KINDS[k]
        const raw: any = { kind, channel: i }
        raw[RESTORED_FIELDS[k]] = value
        const r = validateCommand(raw, sup.cfg)
        if (!r.ok) note(sup, i, "setting", `saved ${kind} ${JSON.stringify(value)} refused (${r.reason}); using the default`)
        else if (k === 0) ch.limit_mA = r.applied.limit_mA
        else applySetting(sup, r.applied)
    }
    const e = await saved(sup, energyKey(i), i)
    if (e !== undefined) {
        if (!energyRestore(sup.energy[i], e)) note(sup, i, "setting", "saved energy record unreadable; counting from zero")
    }
}

/** The owner's charge ceiling (checked like the command) and when the pack was last full. */
async function restoreCharge(sup: Supervisor, now_ms: number): Promise<void> {
    const c = sup.charging
    const v = await saved(sup, KEY_CHARGE, -1)
    if (v === undefined) return
    const record = Array.isArray(v)
    const r = validateCommand({ kind: "charge.ceiling", ceiling_pm: record ? v[0] : undefined }, sup.cfg)
    const age_h = record ? v[1] : NaN
    let usable = r.ok
    if (typeof age_h !== "number") usable = false
    if (!(age_h >= -1)) usable = false
    if (!usable) {
        note(sup, -1, "setting", `saved charging record ${JSON.stringify(v)} unreadable; using the default ceiling, next charge full`)
        return
    }
    c.settings.ceiling_pm = r.applied.ceiling_pm
    if (age_h >= 0) c.lastFull_ms = now_ms - age_h * HOUR_ms
    sup.savedCharge = v
}

/** One charging period; its record saved when the ceiling changes or another hour passed since full. */
async function chargeStep(sup: Supervisor, now_ms: number): Promise<void> {
    const c = sup.charging
    const p = sup.protector
    let out_mW = 0
    for (const ch of sup.channels) out_mW += channelPower_W(ch) * 1000
    // Held without a protector yet, or while a protection stops charging.
    await c.stepBox(now_ms, sup.battery, out_mW, !p || (protectorActions(p) & ACTION_CHARGE) !== 0)
    // Compared as numbers: nothing is allocated in the periods (nearly all) where neither changed.
    const since = now_ms - c.lastFull_ms
    let age_h = -1
    if (since === since) age_h = Math.floor(since / HOUR_ms)
    const ceiling = c.settings.ceiling_pm
    const last = sup.savedCharge
    if (last[0] !== ceiling || last[1] !== age_h) {
        sup.savedCharge = [ceiling, age_h]
        sup.settings.set(KEY_CHARGE, sup.savedCharge)
    }
}

/** A validated name, priority or quota: applied (no hardware involved). */
function applySetting(sup: Supervisor, c: Command): boolean {
    const ch = sup.channels[c.channel]
    const kind = c.kind
    if (kind === "channel.name") ch.name = c.name
    else if (kind === "channel.priority") ch.priority = c.priority
    else if (kind === "channel.quota") sup.energy[c.channel].quota_Wh = c.quota_Wh
    else return false
    return true
}

/** Follow each meter's energy accumulator; save the channel's record every SAVE_J. */
function countEnergy(sup: Supervisor, ch: ChannelControl, now_ms: number): void {
    const r = channelLatest(ch)
    const i = ch.index
    const book = sup.energy[i]
    const acc_J = r ? r.energy_J : NaN
    if (energyUpdate(book, acc_J, r && (r.diag & INA228_DIAG.ENERGYOF) !== 0, ch.meter.energyWrap_J(), now_ms)) sup.settings.set(energyKey(i), energySave(book))
}

/** Shed, throttle or stop outputs by priority class as the charge falls, and by each one's daily quota. */
async function manageLoads(sup: Supervisor, now_ms: number): Promise<void> {
    // The central estimate, "unknown" or not (after a boot the band stays wide for minutes while the
    // estimate is already close); without a battery reading nothing changes. Read from the estimate, not a
    // whole battery snapshot: the heap is tight and a snapshot is built for the tick's end anyway.
    const b = sup.battery
    const e = b.est ? b.est.estimate() : undefined
    let soc = 0
    if (e) soc = Math.round(e.soc * 1000)
    const soc_pct = soc / 10
    for (const ch of sup.channels) {
        const book = sup.energy[ch.index]
        const conv = ch.conv !== undefined
        const priority = ch.priority
        const shed = ch.state === "shed"
        const throttled = ch.throttle < 1
        let a = loadAction(priority, soc, shed, throttled, conv)
        if (b.status === "fault") a = shed ? "shed" : throttled ? "throttle" : ""
        const band = shedBand_pm(priority, conv)
        const throttle = a === "throttle" ? THROTTLE_FRACTION : 1
        if (throttle !== ch.throttle) {
            ch.throttle = throttle
            note(sup, ch.index, "load", throttle < 1 ? `throttled to ${channelEffectiveLimit_mA(ch)} mA: charge ${soc_pct} % (${priority})` : `throttle lifted: charge ${soc_pct} %`)
            await channelRearm(ch, now_ms)
        }
        if (a === "shed") await channelManage(ch, "shed", `charge ${soc_pct} % below ${band[0] / 10} % for ${priority} outputs; back at ${band[1] / 10} %`, now_ms)
        else if (book.quota_Wh > 0 && book.day_J >= book.quota_Wh * 3600) await channelManage(ch, "quota", `daily quota of ${book.quota_Wh} Wh used; resets in ${Math.ceil((86400000 - book.dayAge_ms) / 3600000)} h`, now_ms)
        else await channelManage(ch, "", ch.state === "quota" ? "quota free again" : `charge back to ${soc_pct} %`, now_ms)
    }
}

function anyOutputOn(sup: Supervisor): boolean {
    for (const ch of sup.channels) if (channelLive(ch)) return true
    return false
}

async function applyQueued(sup: Supervisor): Promise<void> {
    const queue = sup.queue
    while (queue.length > 0) {
        const c = queue.shift()
        const kind = c.kind
        if (kind === "pack.config") {
            // Checked again here: an enable queued in the same tick may have switched an output on.
            const why = packRefusal(anyOutputOn(sup))
            if (why) note(sup, -1, "rejected", why)
            else {
                await applyPack(sup.battery, c.pack, sup.now_ms)
                // New chemistry, new thresholds; nothing latched can be lost (refused above).
                sup.protector = makeProtector(sup)
            }
            continue
        }
        if (kind.indexOf("charge.") === 0) {
            const settings = sup.charging.settings
            if (kind === "charge.ceiling") settings.ceiling_pm = c.ceiling_pm
            else settings.fullBy_ms = c.in_h > 0 ? sup.now_ms + c.in_h * HOUR_ms : -1
            continue
        }
        const ch = sup.channels[c.channel]
        if (kind === "channel.enable") await channelApplyEnable(ch, c.on, sup.now_ms)
        else if (applySetting(sup, c)) sup.settings.set(prefsKey(c.channel), [ch.name, ch.priority, sup.energy[c.channel].quota_Wh])
        else {
            if (kind === "channel.limit") {
                ch.limit_mA = c.limit_mA
                sup.settings.set(limitKey(c.channel), c.limit_mA)
            } else ch.out_mV = c.voltage_mV
            await channelRearm(ch, sup.now_ms)
        }
    }
}

/** The shell yields the VM here (its slices are bounded). */
async function pauseHere(sup: Supervisor): Promise<void> {
    const hw = sup.hw
    if (hw.pause) await hw.pause()
}

/** Charge all outputs counted since the last battery step (NaN when any meter is stale). */
function outputsCharge_C(sup: Supervisor): number {
    let sum = 0
    const last = sup.lastCharge
    const channels = sup.channels
    for (let i = 0; i < channels.length; i++) {
        const ch = channels[i]
        const r = channelLatest(ch)
        const q = r ? r.charge_C : NaN
        const prev = last[i]
        last[i] = q
        // NaN when either reading is missing, and then the sum stays NaN.
        let dq = q - prev
        // A regulated stage's charge out is not the pack's charge in (voltage ratio, efficiency): an
        // interval with one delivering power cannot calibrate the pack's current sensor.
        if (ch.cfg.stage_mV > 0) if (channelPower_W(ch) > 0.1) dq = NaN
        sum += dq
    }
    return sum
}

/** One output's time to empty at its present draw: a walk of the pack model, a slice at a time. */
async function updateChannelRuntime(sup: Supervisor): Promise<void> {
    const n = sup.channels.length
    const ch = sup.channels[sup.runtimeTurn % n]
    sup.runtimeTurn++
    const p = channelPower_W(ch) / (ch.cfg.stage_mV > 0 ? STAGE_EFF_MIN : 1)
    const battery = sup.battery
    const quiescent_W = (sup.cfg.battery.estimator.quiescent_mA / 1000) * 3.7 * battery.pack.series
    const w = channelLive(ch) && p > 0.05 ? emptyWalkAt(battery, p + quiescent_W) : undefined
    if (!w) {
        ch.runtime_s = -1
        return
    }
    let done = false
    while (!done) {
        await pauseHere(sup)
        done = w.run(RUNTIME_STEPS_PER_SLICE)
    }
    ch.runtime_s = Math.round(w.result_s)
}
