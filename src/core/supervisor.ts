// The supervisor: one tick per period reads every meter, applies validated commands, judges each
// channel, feeds the watchdog and returns the Snapshot. Portable: the clock is passed in; the shell
// calls tick() from setInterval on a device, tests and the scenario runner call it from plain loops.
import { BoxConfig } from "./box_config"
import { ChannelControl } from "./channel"
import { EnergyBook } from "./channel_energy"
import { THROTTLE_FRACTION, loadAction, shedBand_pm } from "./load_policy"
import { Tps55289 } from "../drivers/tps55289"
import { Command, CommandResult, validateCommand } from "./commands"
import { DigitalOut, SettingsStore } from "./io"
import { SettingsWriter, ShadowedStore, errorText } from "./persist"
import { BoxEvent, Snapshot } from "./snapshot"
import { Bus } from "../drivers/bus"
import { INA228_DIAG, Ina228, ina228Defaults } from "../drivers/ina228"
import { BatteryMonitor } from "./battery/monitor"
import { RUNTIME_STEPS_PER_SLICE, RuntimeWalk } from "./battery/runtime"
import { chemistryById } from "./battery/chemistry"
import { FaultLog } from "./protection/fault_log"
import { implausibleCell_mV, ruleWhat } from "./protection/rules"
import { FF } from "./protection/fault"
import { STAGE_EFF_MIN, AFE_COV, AFE_CUV, AFE_OCC, AFE_OCD, AFE_SCD, AFE_TEMP_CHG, AFE_TEMP_DSG, ChannelReading, Protector } from "./protection/protector"
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
    private hw: BoxHardware
    private settings: SettingsWriter
    private store: SettingsStore
    private queue: Command[] = []
    private events: BoxEvent[] = []
    private heartbeatLevel = false
    private now_ms = 0
    readonly battery: BatteryMonitor
    private lastBattery_ms = -1e9
    private lastCharge: number[] = []
    readonly energy: EnergyBook[] = []
    seq = 0
    started = false
    readonly faultLog: FaultLog
    protector: Protector = undefined
    private savedLatched = ""
    /** Empty once the boot self-check passed; until then every output is refused, with this reason. */
    selfCheck = "not run yet"
    private boot_ms = 0
    readonly charging: ChargingPort
    private savedCharge = ""

    constructor(cfg: BoxConfig, hw: BoxHardware, store: SettingsStore) {
        if (hw.enables.length !== cfg.channels.length) throw new Error("need one enable line per channel")
        this.cfg = cfg
        this.hw = hw
        const self = this
        this.charging = hw.charging
        if (hw.charging) hw.charging.note = m => self.note(-1, "charge", m)
        // Torn writes (a power loss mid-write) fall back to the shadow copy: nothing saved is lost.
        this.store = new ShadowedStore(store)
        this.settings = new SettingsWriter(this.store, cfg.settingsWriteRefill_ms, cfg.settingsWriteBurst)
        const sink = (ch: number, kind: string, state: string, message: string) => {
            self.events.push({ t_ms: self.now_ms, channel: ch, kind, state, message })
        }
        this.faultLog = new FaultLog(this.settings)
        this.battery = new BatteryMonitor(cfg.battery, cfg.protection, hw.bus, this.store, this.settings, (kind, message) => self.note(-1, kind, message))
        for (let i = 0; i < cfg.channels.length; i++) {
            const c = cfg.channels[i]
            this.lastCharge.push(NaN)
            this.energy.push(new EnergyBook())
            const meter = new Ina228(hw.bus, ina228Defaults(c.meterAddress, c.shunt_mOhm, c.rated_mA * 1.25))
            const conv = c.converterAddress > 0 ? new Tps55289(hw.bus, c.converterAddress, c.shunt_mOhm) : undefined
            this.channels.push(new ChannelControl(i, c, meter, conv, hw.enables[i], sink))
        }
    }

    private note(channel: number, kind: string, message: string): void {
        this.events.push({ t_ms: this.now_ms, channel, kind, state: "", message })
    }

    /** Restore settings (each checked like a command), then self-check every meter. Outputs stay off. */
    async start(now_ms: number): Promise<void> {
        this.now_ms = now_ms
        this.boot_ms = now_ms
        for (const ch of this.channels) {
            await this.restoreChannel(ch)
            await ch.init(now_ms, this.cfg.meterRetry_ms)
        }
        await this.battery.start(now_ms)
        if (this.charging) await this.restoreCharge(now_ms)
        for (const p of await this.faultLog.restore(this.store)) this.note(-1, "setting", p)
        this.protector = this.makeProtector()
        let latched: any
        try {
            latched = await this.store.read(KEY_LATCHED)
        } catch (e) {
            this.note(-1, "setting", "could not read the latched faults (" + errorText(e) + "); holding every output until a person clears them")
            latched = ["boot.unknown"]
        }
        if (latched !== undefined && latched !== null) {
            const ok = Array.isArray(latched) && latched.every((x: any) => typeof x === "string")
            // A corrupt record cannot prove nothing was latched: hold everything off until a person looks.
            const ids: string[] = ok ? latched : ["cell.uv.deep"]
            if (!ok) this.note(-1, "setting", "saved latched faults " + JSON.stringify(latched) + " unreadable; holding the outputs as if deeply discharged until a person clears it")
            const unknown = this.protector.restoreLatched(ids)
            if (unknown.length > 0) this.note(-1, "setting", "saved latched faults not in this firmware's catalogue: " + unknown.join(", "))
            this.savedLatched = this.protector.latchedIds().join(",")
        }
        // The boot self-check, outputs still off: one reading of every meter (with its switch open, so a
        // stuck switch shows) and of the pack, judged by every protection. Until it passes, each tick
        // judges again and every output is refused.
        for (const ch of this.channels) {
            await ch.poll(now_ms, this.cfg.meterFailLimit, this.cfg.meterRetry_ms, true)
            this.countEnergy(ch, now_ms)
        }
        await this.pauseHere()
        await this.battery.step(now_ms, NaN)
        this.lastBattery_ms = now_ms
        this.outputsCharge_C()
        await this.pauseHere()
        await this.protect(now_ms)
        if (this.selfCheck !== "") this.note(-1, "protection", "boot self-check not passed yet: " + this.selfCheck)
        this.started = true
    }

    private makeProtector(): Protector {
        const self = this
        const outputs = this.cfg.channels.map(c => ({ minOut_mV: c.minOut_mV, maxOut_mV: c.maxOut_mV }))
        return new Protector(chemistryById(this.battery.pack.chemistry), this.cfg.protection, outputs, this.faultLog, (ch, kind, message) => self.note(ch, kind, message))
    }

    /** Judge every protection on the latest readings and apply what it says. */
    private async protect(now_ms: number): Promise<void> {
        const b = this.battery
        const r = b.reading
        const chans: ChannelReading[] = this.channels.map(ch => ch.protectionReading())
        this.protector.evaluate({
            now_ms,
            cell_mV: r ? r.cell_mV : [],
            afeAge_ms: b.reading_ms < 0 ? 1e9 : now_ms - b.reading_ms,
            afePeriod_ms: this.cfg.battery.period_ms,
            pack_mA: r ? r.current_A * 1000 : NaN,
            cellTemp_C: r ? (r.ts_C === r.ts_C ? r.ts_C : r.dieTemp_C) : NaN,
            boardTemp_C: r ? r.dieTemp_C : NaN,
            channels: chans,
            quiescent_mA: this.cfg.battery.estimator.quiescent_mA,
            afeTrips: r ? afeTrips(r.safetyStatusA, r.safetyStatusB) : 0,
        })
        for (let i = 0; i < this.channels.length; i++) {
            const k = this.protector.holding(i)
            const ch = this.channels[i]
            if (k >= 0) {
                const why = this.protector.sentence(k) + (this.protector.faults[k][FF.LATCHED] !== 0 ? ": fault.clear once fixed" : "")
                if (ch.holdReason !== why) ch.hold(why)
            } else ch.release()
        }
        await b.setPackPath(this.protector.chargeAllowed(), this.protector.dischargeAllowed(), now_ms)
        const latched = this.protector.latchedIds().join(",")
        if (latched !== this.savedLatched) {
            this.savedLatched = latched
            this.settings.set(KEY_LATCHED, this.protector.latchedIds())
        }
        if (this.selfCheck !== "") this.selfCheck = this.selfCheckProblem(now_ms)
    }

    /** Why the boot self-check has not passed yet, or "" once it has. */
    private selfCheckProblem(now_ms: number): string {
        for (const ch of this.channels) if (ch.state === "fault" && ch.holdReason === "") return ch.cfg.name + ": " + ch.reason
        for (const ch of this.channels) if (!ch.snapshot(now_ms).fresh) return ch.cfg.name + ": no reading with the switch open yet"
        const b = this.battery
        if (b.status === "fault") return "battery: " + b.reason
        if (b.reading_ms < 0) return "no pack reading yet"
        const bad = implausibleCell_mV(b.reading.cell_mV)
        if (bad === bad) return "implausible cell reading " + bad + " mV"
        const why = b.protectionProblem()
        if (why !== "") return why
        const p = this.protector
        for (let k = 0; k < p.faults.length; k++) if (p.faults[k][FF.ACTIVE] !== 0 && p.ids[k].indexOf("sensor.") === 0) return "pack sensors: " + ruleWhat(p.rows[k])
        // The output-switch test: every switch held open long enough for the stuck-switch rule to judge it.
        if (now_ms - this.boot_ms < SWITCH_TEST_ms) return "output switch test running"
        return ""
    }

    /** A saved value, or undefined when missing or unreadable (said so). */
    private async saved(key: string, ch: number): Promise<any> {
        try {
            const v = await this.store.read(key)
            return v === null ? undefined : v
        } catch (e) {
            this.note(ch, "setting", "could not read setting " + key + " (" + errorText(e) + "); using the default")
            return undefined
        }
    }

    /**
     * The user's limit, name, priority class and quota for a channel (each checked like the command that
     * set it; a refused one falls back to the default and says so), and its energy record.
     */
    private async restoreChannel(ch: ChannelControl): Promise<void> {
        const i = ch.index
        const prefs = await this.saved(prefsKey(i), i)
        const values = [await this.saved(limitKey(i), i)]
        for (let k = 0; k < 3; k++) values.push(prefs === undefined ? undefined : Array.isArray(prefs) ? prefs[k] : null)
        for (let k = 0; k < 4; k++) {
            if (values[k] === undefined) continue
            const kind = RESTORED_KINDS[k]
            const raw: any = { kind, channel: i }
            raw[RESTORED_FIELDS[k]] = values[k]
            const r = validateCommand(raw, this.cfg)
            if (!r.ok) this.note(i, "setting", "saved " + kind + " " + JSON.stringify(values[k]) + " refused (" + r.reason + "); using the default")
            else if (k === 0) ch.limit_mA = r.applied.limit_mA
            else this.applySetting(r.applied)
        }
        const e = await this.saved(energyKey(i), i)
        if (e !== undefined && !this.energy[i].restore(e)) this.note(i, "setting", "saved energy record unreadable; counting from zero")
    }

    /** The owner's charge ceiling (checked like the command) and when the pack was last full. */
    private async restoreCharge(now_ms: number): Promise<void> {
        const c = this.charging
        const v = await this.saved(KEY_CHARGE, -1)
        if (v === undefined) return
        const r = validateCommand({ kind: "charge.ceiling", ceiling_pm: Array.isArray(v) ? v[0] : v }, this.cfg)
        const age_h = Array.isArray(v) ? v[1] : NaN
        if (!r.ok || typeof age_h !== "number" || !(age_h >= -1)) {
            this.note(-1, "setting", "saved charging record " + JSON.stringify(v) + " unreadable; using the default ceiling, next charge full")
            return
        }
        c.settings.ceiling_pm = r.applied.ceiling_pm
        if (age_h >= 0) c.lastFull_ms = now_ms - age_h * HOUR_ms
        this.savedCharge = JSON.stringify(v)
    }

    /** One charging period; its record saved when the ceiling changes or another hour passed since full. */
    private async chargeStep(now_ms: number): Promise<void> {
        const c = this.charging
        let out_mW = 0
        for (const ch of this.channels) out_mW += ch.power_W() * 1000
        await c.stepBox(now_ms, this.battery, out_mW, !this.protector || !this.protector.chargeAllowed())
        const since = now_ms - c.lastFull_ms
        const rec = [c.settings.ceiling_pm, since === since ? Math.floor(since / HOUR_ms) : -1]
        const key = JSON.stringify(rec)
        if (key !== this.savedCharge) {
            this.savedCharge = key
            this.settings.set(KEY_CHARGE, rec)
        }
    }

    /** A validated name, priority or quota: applied (no hardware involved). */
    private applySetting(c: Command): boolean {
        const ch = this.channels[c.channel]
        if (c.kind === "channel.name") ch.name = c.name
        else if (c.kind === "channel.priority") ch.priority = c.priority
        else if (c.kind === "channel.quota") this.energy[c.channel].quota_Wh = c.quota_Wh
        else return false
        return true
    }

    /** Follow each meter's energy accumulator; save the channel's record every SAVE_J. */
    private countEnergy(ch: ChannelControl, now_ms: number): void {
        const r = ch.latest()
        const book = this.energy[ch.index]
        const acc_J = r ? r.energy_J : NaN
        if (book.update(acc_J, r && (r.diag & INA228_DIAG.ENERGYOF) !== 0, ch.meter.energyWrap_J(), now_ms)) this.settings.set(energyKey(ch.index), book.save())
    }

    /** Shed, throttle or stop outputs by priority class as the charge falls, and by each one's daily quota. */
    private async manageLoads(now_ms: number): Promise<void> {
        const b = this.battery.snapshot()
        // The central estimate, "unknown" or not (after a boot the band stays wide for minutes while the
        // estimate is already close); without a battery reading nothing changes.
        const soc = b.soc_pm
        for (const ch of this.channels) {
            const book = this.energy[ch.index]
            const conv = ch.conv !== undefined
            let a = loadAction(ch.priority, soc, ch.state === "shed", ch.throttle < 1, conv)
            if (b.status === "fault") a = ch.state === "shed" ? "shed" : ch.throttle < 1 ? "throttle" : ""
            const band = shedBand_pm(ch.priority, conv)
            const throttle = a === "throttle" ? THROTTLE_FRACTION : 1
            if (throttle !== ch.throttle) {
                ch.throttle = throttle
                this.note(ch.index, "load", throttle < 1 ? "throttled to " + ch.effectiveLimit_mA() + " mA: charge " + soc / 10 + " % (" + ch.priority + ")" : "throttle lifted: charge " + soc / 10 + " %")
                await ch.rearm(now_ms)
            }
            if (a === "shed") await ch.manage("shed", "charge " + soc / 10 + " % below " + band[0] / 10 + " % for " + ch.priority + " outputs; back at " + band[1] / 10 + " %", now_ms)
            else if (book.quota_Wh > 0 && book.day_J >= book.quota_Wh * 3600) await ch.manage("quota", "daily quota of " + book.quota_Wh + " Wh used; resets in " + Math.ceil((86400000 - book.dayAge_ms) / 3600000) + " h", now_ms)
            else await ch.manage("", ch.state === "quota" ? "quota free again" : "charge back to " + soc / 10 + " %", now_ms)
        }
    }

    /**
     * Validate a command from any source. Accepted commands are applied at the start of the next tick
     * (so they never interleave with the tick's bus traffic); the result says what will be applied.
     */
    submit(raw: any, now_ms?: number): CommandResult {
        if (now_ms !== undefined) this.now_ms = now_ms
        const r = validateCommand(raw, this.cfg)
        if (r.ok && r.applied.kind === "pack.config") {
            let why = this.battery.packRefusal(this.anyOutputOn())
            if (!why && this.protector && this.protector.latchedIds().length > 0) why = "a latched fault must be cleared before the pack configuration changes"
            if (why) {
                this.note(-1, "rejected", why)
                return { ok: false, reason: why, applied: undefined }
            }
        }
        if (r.ok && r.applied.kind === "fault.clear") {
            const why = this.protector ? this.protector.clear(r.applied.fault, this.now_ms) : "not started"
            if (why) {
                this.note(-1, "rejected", "fault.clear: " + why)
                return { ok: false, reason: why, applied: undefined }
            }
            return r
        }
        if (r.ok && r.applied.kind === "channel.enable") {
            const own = this.channels[r.applied.channel].refusal(r.applied.on)
            const why = own === "" && r.applied.on && this.selfCheck !== "" ? "outputs stay off until the boot self-check passes (" + this.selfCheck + ")" : own
            if (why) {
                this.note(r.applied.channel, "rejected", why)
                return { ok: false, reason: why, applied: undefined }
            }
        }
        if (r.ok && r.applied.kind.indexOf("charge.") === 0 && !this.charging) {
            this.note(-1, "rejected", "this box has no charger")
            return { ok: false, reason: "this box has no charger", applied: undefined }
        }
        if (!r.ok) this.note(raw && typeof raw.channel === "number" ? raw.channel : -1, "rejected", r.reason)
        else this.queue.push(r.applied)
        return r
    }

    private anyOutputOn(): boolean {
        for (const ch of this.channels) if (ch.live()) return true
        return false
    }

    private async applyQueued(): Promise<void> {
        while (this.queue.length > 0) {
            const c = this.queue.shift()
            if (c.kind === "pack.config") {
                // Checked again here: an enable queued in the same tick may have switched an output on.
                const why = this.battery.packRefusal(this.anyOutputOn())
                if (why) this.note(-1, "rejected", why)
                else {
                    await this.battery.applyPack(c.pack, this.now_ms)
                    // New chemistry, new thresholds; nothing latched can be lost (refused above).
                    this.protector = this.makeProtector()
                }
                continue
            }
            if (c.kind === "charge.ceiling") this.charging.settings.ceiling_pm = c.ceiling_pm
            if (c.kind === "charge.full_by") this.charging.settings.fullBy_ms = c.in_h > 0 ? this.now_ms + c.in_h * HOUR_ms : -1
            if (c.kind.indexOf("charge.") === 0) continue
            const ch = this.channels[c.channel]
            if (c.kind === "channel.enable") await ch.applyEnable(c.on, this.now_ms)
            else if (this.applySetting(c)) this.settings.set(prefsKey(c.channel), [ch.name, ch.priority, this.energy[c.channel].quota_Wh])
            else {
                if (c.kind === "channel.limit") {
                    ch.limit_mA = c.limit_mA
                    this.settings.set(limitKey(c.channel), c.limit_mA)
                } else ch.out_mV = c.voltage_mV
                await ch.rearm(this.now_ms)
            }
        }
    }

    async tick(now_ms: number): Promise<Snapshot> {
        this.now_ms = now_ms
        if (!this.started) await this.start(now_ms)
        await this.applyQueued()
        // The meters' accumulators are read when the battery steps (it counts their charge) and energy
        // is counted then; the other ticks read voltage, current and flags only.
        const batteryDue = now_ms - this.lastBattery_ms >= this.cfg.battery.period_ms
        for (const ch of this.channels) {
            await ch.poll(now_ms, this.cfg.meterFailLimit, this.cfg.meterRetry_ms, batteryDue)
            if (batteryDue) this.countEnergy(ch, now_ms)
        }
        if (batteryDue) {
            this.lastBattery_ms = now_ms
            await this.pauseHere()
            await this.battery.step(now_ms, this.outputsCharge_C())
            await this.manageLoads(now_ms)
            if (this.charging) await this.chargeStep(now_ms)
            // Time to empty / full: a walk of the pack model, a few steps per VM slice.
            let done = !this.battery.startRuntimes(now_ms)
            while (!done) {
                await this.pauseHere()
                done = this.battery.runtimeWork(RUNTIME_STEPS_PER_SLICE)
            }
        }
        await this.pauseHere()
        await this.protect(now_ms)
        // Per-output runtimes: one walk of the pack model per 10 s, one output at a time (VM budget).
        if (this.seq % 100 === 50) await this.updateChannelRuntime()
        const problems = await this.settings.flush(now_ms)
        for (const p of problems) this.note(-1, "setting", p)
        // The heartbeat only toggles when a whole tick completed: a stalled or crashing loop lets the
        // external watchdog drop every output.
        this.heartbeatLevel = !this.heartbeatLevel
        this.hw.heartbeat.write(this.heartbeatLevel)
        this.seq++
        return this.snapshot(now_ms)
    }

    private async pauseHere(): Promise<void> {
        if (this.hw.pause) await this.hw.pause()
    }

    /** Charge all outputs counted since the last battery step (NaN when any meter is stale). */
    private outputsCharge_C(): number {
        let sum = 0
        for (let i = 0; i < this.channels.length; i++) {
            const ch = this.channels[i]
            const r = ch.latest()
            const q = r ? r.charge_C : NaN
            const prev = this.lastCharge[i]
            this.lastCharge[i] = q
            // A regulated stage's charge out is not the pack's charge in (voltage ratio, efficiency): an
            // interval with one delivering power cannot calibrate the pack's current sensor.
            if (!(q === q) || !(prev === prev) || (ch.cfg.stage_mV > 0 && ch.power_W() > 0.1)) sum = NaN
            else sum += q - prev
        }
        return sum
    }

    private runtimeTurn = 0
    private async updateChannelRuntime(): Promise<void> {
        const n = this.channels.length
        const ch = this.channels[this.runtimeTurn % n]
        this.runtimeTurn++
        const p = ch.power_W() / (ch.cfg.stage_mV > 0 ? STAGE_EFF_MIN : 1)
        const quiescent_W = (this.cfg.battery.estimator.quiescent_mA / 1000) * 3.7 * this.battery.pack.series
        const w = ch.live() && p > 0.05 ? this.battery.emptyWalkAt(p + quiescent_W) : undefined
        ch.runtime_s = w ? Math.round(await this.walk(w)) : -1
    }

    /** Runs a runtime walk a slice at a time; its result in seconds. */
    private async walk(w: RuntimeWalk): Promise<number> {
        let done = false
        while (!done) {
            await this.pauseHere()
            done = w.run(RUNTIME_STEPS_PER_SLICE)
        }
        return w.result_s
    }

    /** The current state; events are handed out once. */
    snapshot(now_ms: number): Snapshot {
        const faults: string[] = []
        const chans = this.channels.map(ch => ch.snapshot(now_ms))
        for (const c of chans) {
            const book = this.energy[c.index]
            c.energy_mWh = Math.round(book.life_J / 3.6)
            c.today_mWh = Math.round(book.day_J / 3.6)
            c.quota_Wh = book.quota_Wh
        }
        for (const c of chans) if (c.state === "fault") faults.push(c.name + ": " + c.reason)
        const events = this.events
        this.events = []
        const battery = this.battery.snapshot()
        if (battery.status === "fault") faults.push("battery: " + battery.reason)
        if (this.protector) for (const d of this.protector.describe()) faults.push(d)
        const charging = this.charging ? this.charging.snapshot(now_ms) : undefined
        if (charging && charging.phase === "fault") faults.push("charging: " + charging.reason)
        return { seq: this.seq, t_ms: now_ms, channels: chans, battery, charging, faults, events }
    }
}
