// One output channel: its meter, its converter (USB-C), its enable line and the state machine between them.
//   off --on--> starting --SOFT_START_ms--> on <--> limiting (the converter holds the current limit)
//   live --hardware ALERT, converter short or collapsed output--> tripped (latched: the user switches on again)
//   live --above the limit for OVERLOAD_ms, or limiting with the output below its window--> tripped (overload:
//        automatic retry after 2, 4, 8 ... s, at most RETRIES times; cleared after a minute of good running)
//   live --load management--> shed / quota --charge back / new day--> starting (if the user still wants it on)
//   any --meter or converter lost, or a protection holds it--> fault --cleared--> off
// The enable line is only high while "live" (starting, on, limiting); every other state drives it low.
import { ChannelConfig } from "./box_config"
import { DigitalOut } from "./io"
import { Ina228, Ina228Reading, INA228_DIAG, ina228Configure, ina228Probe, ina228Read, ina228ReadDiag, ina228SetAlertLimit, ina228Verify } from "../drivers/ina228"
import { TPS55289_STATUS, Tps55289, tps55289Configure, tps55289ReadStatus, tps55289SetLimit_mA, tps55289SetOutput_mV, tps55289Verify } from "../drivers/tps55289"
import { ChannelSnapshot } from "./snapshot"
import { ChannelReading } from "./protection/protector"
import { fmtAmps } from "./fmt"
import { errorText } from "./persist"

/** Meter read-back period, in polls (50 x 100 ms = 5 s). */
const VERIFY_POLLS = 50
/** Inrush allowed after switching on: the firmware's own checks wait; the hardware trip stays armed. */
export const SOFT_START_ms = 200
/** Longer above the limit than any inrush of a load within rating (a compressor start is ~0.5 s). */
export const OVERLOAD_ms = 1500
const RETRY_FIRST_ms = 2000
const RETRIES = 6
/** A minute of running without a trip forgets earlier overloads. */
const RETRY_FORGET_ms = 60000
/** The hardware trip sits above the limit so inrush and the converter's own limiting do not reach it. */
const ALERT_OVER_LIMIT = 1.5
/** Output below this fraction of its set voltage while live: a short (or an eFuse that already cut it). */
const COLLAPSED = 0.5

export type EventSink = (channel: number, kind: string, state: string, message: string) => void

/** One output. Its operations are module functions (channelInit, channelApplyEnable, ...) taking it first: a
 * method costs a prototype entry in the image (docs/design.md, code space); the fields they use are public. */
export class ChannelControl {
    readonly index: number
    readonly cfg: ChannelConfig
    readonly meter: Ina228
    /** The USB-C buck-boost, undefined on channels without one. */
    readonly conv: Tps55289
    /** The switch's enable line (written only by go()). */
    enable: DigitalOut
    /** Where state changes are reported. */
    emit: EventSink
    state = "off"
    reason = "off at boot"
    requested = false
    limit_mA: number
    /** The user's name for the output and its priority class (saved settings). */
    name: string
    priority: string
    /** Set voltage: the stage's fixed voltage, or the USB-C converter's setpoint (PD contract). */
    out_mV: number
    /** Load management: while > 0, the limit is scaled down to this fraction (throttled). */
    throttle = 1
    /** The meter (and converter) answered and are configured; until then init() is retried. */
    meterReady = false
    failures = 0
    /** When the present overload began (-1: none), when the next retry or re-init is due, retries so far. */
    overSince_ms = -1
    nextRetry_ms = 0
    retries = 0
    /** When the output last went live (the soft start counts from here). */
    live_ms = 0
    last: Ina228Reading = undefined
    /** The last reading is current (set only together with `last`). */
    fresh = false
    /** Set by the supervisor: time to empty for this output alone. */
    runtime_s = -1
    /** Non-empty while a protection holds this output off (the fault's sentence). */
    holdReason = ""
    /** The snapshot object, refreshed by channelSnapshot(). */
    snap: ChannelSnapshot
    /**
     * Meter readings since the switch last changed: the first reading after a change may still describe
     * the old state (a conversion window straddles the edge), so the protections wait for two. At boot the
     * switch has been off since reset, so the first reading counts.
     */
    readsSinceSwitch = 1
    /** Polls since the meter's registers were last read back (its trip must match the limit). */
    sinceVerify = 0

    constructor(index: number, cfg: ChannelConfig, meter: Ina228, conv: Tps55289, enable: DigitalOut, emit: EventSink) {
        this.index = index
        this.cfg = cfg
        this.meter = meter
        this.conv = conv
        this.enable = enable
        this.limit_mA = cfg.defaultLimit_mA
        this.name = cfg.name
        this.priority = cfg.priority
        this.out_mV = cfg.stage_mV
        this.emit = emit
        enable.write(false)
    }
}

/** One supervisor period: read (`full`: the accumulators too), judge, drive. Never throws. */
export async function channelPoll(ch: ChannelControl, now_ms: number, failLimit: number, retry_ms: number, full: boolean): Promise<void> {
    if (!ch.meterReady) {
        if (now_ms >= ch.nextRetry_ms) await channelInit(ch, now_ms, retry_ms)
        return
    }
    const conv = ch.conv
    let r: Ina228Reading
    /** Converter STATUS (0 without a converter). */
    let status = 0
    try {
        r = await ina228Read(ch.meter, full)
        if (conv) status = await tps55289ReadStatus(conv)
    } catch (e) {
        ch.fresh = false
        if (++ch.failures >= failLimit) lost(ch, now_ms, "meter not responding (", e, ")")
        return
    }
    ch.failures = 0
    ch.last = r
    ch.fresh = true
    ch.readsSinceSwitch++
    // Every VERIFY_POLLS the meter's (and converter's) registers are read back: a chip that was reset
    // (brown-out) or changed would no longer trip at the user's limit.
    if (++ch.sinceVerify >= VERIFY_POLLS) {
        ch.sinceVerify = 0
        try {
            await ina228Verify(ch.meter)
            if (conv) await tps55289Verify(conv)
        } catch (e) {
            lost(ch, now_ms, "registers read back wrong (", e, "); reconfiguring")
            ch.nextRetry_ms = now_ms
            return
        }
    }
    if (ch.state === "tripped") {
        // An overload trip is retried while the user still wants the output on, once its back-off is over.
        if (ch.requested)
            if (now_ms >= ch.nextRetry_ms) await startOutput(ch, now_ms, `automatic retry ${ch.retries} of ${RETRIES} after an overload`)
        return
    }
    if (!channelLive(ch)) return
    if ((r.diag & INA228_DIAG.SHNTOL) !== 0) {
        // The meter's latched flag: the hardware latch has normally opened the switch already.
        alertTrip(ch)
        return
    }
    if ((status & TPS55289_STATUS.SCP) !== 0) {
        hardTrip(ch, "converter short-circuit protection")
        return
    }
    if (ch.readsSinceSwitch < 2) return
    const liveFor_ms = now_ms - ch.live_ms
    if (liveFor_ms < SOFT_START_ms) {
        // Soft start: the firmware's own checks wait (the hardware trip stays armed).
        ch.overSince_ms = -1
        return
    }
    const bus_mV = r.busVoltage_mV
    if (bus_mV < ch.out_mV * COLLAPSED) {
        hardTrip(ch, `output collapsed to ${Math.round(bus_mV)} mV (short circuit or the eFuse's own trip)`)
        return
    }
    const lim = channelEffectiveLimit_mA(ch)
    // The converter in constant current holds the limit (within its accuracy): limiting, not overload.
    const limiting = (status & TPS55289_STATUS.OCP) !== 0
    if (limiting) {
        if (ch.state !== "limiting") go(ch, "limiting", `holding the ${fmtAmps(lim)} limit; the load wants more`)
    } else if (ch.state !== "on") go(ch, "on", "running")
    // A minute of good running forgets earlier overloads.
    if (liveFor_ms >= RETRY_FORGET_ms) ch.retries = 0
    // Overload: the output below its window (a stage or eFuse at its limit, a failing source), or above
    // the limit without a converter holding it.
    let over = bus_mV < ch.cfg.minOut_mV
    if (!limiting) if (r.current_mA > lim) over = true
    const overSince_ms = ch.overSince_ms
    if (!over) ch.overSince_ms = -1
    else if (overSince_ms < 0) ch.overSince_ms = now_ms
    else if (now_ms - overSince_ms >= (limiting ? SOFT_START_ms : OVERLOAD_ms)) overload(ch, now_ms, r.current_mA, lim)
}

/**
 * The output's state. The same object every time, refreshed: the Jacdac server keeps it and a tick does not
 * build six new ones (the heap is tight). Copy it to keep an earlier state.
 */
export function channelSnapshot(ch: ChannelControl): ChannelSnapshot {
    const cfg = ch.cfg
    // Built once in the field order; the measured fields stay 0 until there is a reading.
    const s: ChannelSnapshot = ch.snap || {
        index: ch.index,
        name: "",
        kind: cfg.kind,
        priority: "",
        state: "",
        reason: "",
        requested: false,
        setVoltage_mV: 0,
        voltage_mV: 0,
        current_mA: 0,
        power_mW: 0,
        energy_mWh: 0,
        today_mWh: 0,
        quota_Wh: 0,
        charge_mAh: 0,
        limit_mA: 0,
        effectiveLimit_mA: 0,
        rated_mA: cfg.rated_mA,
        dieTemp_dC: 0,
        fresh: false,
        runtime_s: 0,
    }
    ch.snap = s
    s.name = ch.name
    s.priority = ch.priority
    s.state = ch.state
    s.reason = ch.reason
    s.requested = ch.requested
    s.setVoltage_mV = ch.out_mV
    s.limit_mA = ch.limit_mA
    s.effectiveLimit_mA = channelEffectiveLimit_mA(ch)
    s.fresh = ch.fresh
    s.runtime_s = ch.runtime_s
    const r = ch.last
    if (r) {
        s.voltage_mV = Math.round(r.busVoltage_mV)
        s.current_mA = Math.round(r.current_mA)
        s.power_mW = Math.round(r.power_mW)
        s.charge_mAh = Math.round(r.charge_C / 3.6)
        s.dieTemp_dC = Math.round(r.dieTemp_C * 10)
    }
    return s
}

/** Enable line high: soft start, on or limiting. */
export function channelLive(ch: ChannelControl): boolean {
    const s = ch.state
    if (s === "on") return true
    if (s === "starting") return true
    return s === "limiting"
}

/** The limit in force now (the user's, throttled by load management). */
export function channelEffectiveLimit_mA(ch: ChannelControl): number {
    return Math.max(ch.cfg.minLimit_mA, Math.round(ch.limit_mA * ch.throttle))
}

/** Probe, configure and arm the meter (and converter). Outputs stay off whatever happens here. */
export async function channelInit(ch: ChannelControl, now_ms: number, retry_ms: number): Promise<void> {
    const meter = ch.meter
    try {
        await ina228Probe(meter)
        await ina228Configure(meter)
        if (ch.conv) await tps55289Configure(ch.conv)
        await arm(ch)
        await ina228ReadDiag(meter) // release anything latched before we owned the chip
        ch.meterReady = true
        ch.failures = 0
        if (ch.holdReason !== "") go(ch, "fault", "protection: " + ch.holdReason)
        else go(ch, "off", ch.state === "fault" ? "hardware recovered; switch on when ready" : "ready")
    } catch (e) {
        lost(ch, now_ms, "meter/converter: ", e)
        ch.nextRetry_ms = now_ms + retry_ms
    }
}

/** Stateful check of a command that already passed validation. */
export function channelRefusal(ch: ChannelControl, on: boolean): string {
    if (!on) return ""
    if (ch.holdReason !== "") return `${ch.name} is held off by a protection (${ch.holdReason})`
    const state = ch.state
    if (state === "fault" || state === "shed" || state === "quota") return `${ch.name} is ${state} (${ch.reason})`
    return ""
}

export async function channelApplyEnable(ch: ChannelControl, on: boolean, now_ms: number): Promise<void> {
    if (!on) {
        ch.requested = false
        if (ch.state !== "fault") go(ch, "off", "switched off by user")
        return
    }
    if (channelRefusal(ch, true) !== "") return
    if (channelLive(ch)) {
        // Already on: a repeated "on" must not re-arm (and so hide) a trip the hardware latch just took.
        try {
            const diag = await ina228ReadDiag(ch.meter)
            if ((diag & INA228_DIAG.SHNTOL) !== 0) alertTrip(ch)
        } catch (e) {
            lost(ch, now_ms, "meter: ", e)
        }
        return
    }
    ch.requested = true
    ch.retries = 0
    await startOutput(ch, now_ms, "switched on by user")
}

/** A new limit, voltage or throttle: to the hardware now if it is up. */
export async function channelRearm(ch: ChannelControl, now_ms: number): Promise<void> {
    if (!ch.meterReady) return
    try {
        await arm(ch)
    } catch (e) {
        lost(ch, now_ms, "meter/converter: ", e)
    }
}

/** A protection holds the output off: the switch opens now, whatever the state. */
export function channelHold(ch: ChannelControl, reason: string): void {
    ch.holdReason = reason
    ch.requested = false
    go(ch, "fault", "protection: " + reason)
}

/** The protection let go: back to off (never on by itself); a lost meter keeps its own fault. */
export function channelRelease(ch: ChannelControl): void {
    if (ch.holdReason === "") return
    const why = ch.holdReason
    ch.holdReason = ""
    if (ch.meterReady) go(ch, "off", `protection cleared (${why}); switch on when ready`)
}

/**
 * Load management: `state` "shed" or "quota" opens the switch with `why` (the user's wish is kept);
 * "" lets it go, and the output comes back on through the soft start if the user still wants it.
 */
export async function channelManage(ch: ChannelControl, state: string, why: string, now_ms: number): Promise<void> {
    const now = ch.state
    const held = now === "shed" || now === "quota"
    if (state !== "") {
        // Taken over when live, already held, or off but wanted on (it would come back on otherwise).
        let taken = held
        if (channelLive(ch)) taken = true
        if (now === "off") if (ch.requested) taken = true
        if (taken) if (now !== state || ch.reason !== why) go(ch, state, why)
    } else if (held) {
        if (ch.requested) await startOutput(ch, now_ms, why)
        else go(ch, "off", why)
    }
}

/** The latest reading while it is fresh (its accumulators and flags), else undefined. */
export function channelLatest(ch: ChannelControl): Ina228Reading {
    if (ch.fresh) return ch.last
    return undefined
}

/** Present output power, W (0 when unknown). */
export function channelPower_W(ch: ChannelControl): number {
    if (ch.fresh) return ch.last.power_mW / 1000
    return 0
}

/** What the protections judge: the latest reading, counted fresh only once it describes the present switch state. */
export function channelProtectionReading(ch: ChannelControl): ChannelReading {
    const c: ChannelReading = {
        on: channelLive(ch),
        fresh: ch.fresh && ch.readsSinceSwitch >= 2,
        voltage_mV: 0,
        current_mA: 0,
        power_mW: 0,
        direct: ch.cfg.stage_mV === 0,
        dieTemp_C: 0,
    }
    const r = ch.last
    if (r) {
        c.voltage_mV = r.busVoltage_mV
        c.current_mA = r.current_mA
        c.power_mW = r.power_mW
        c.dieTemp_C = r.dieTemp_C
    }
    return c
}

// The channel's internal steps, as functions rather than private methods (an image carries every method, and a
// call to a function costs less code than a method call).

/** Into `state` for `reason`: the enable line follows, and a change is reported. */
function go(ch: ChannelControl, state: string, reason: string): void {
    const was = channelLive(ch)
    const changed = state !== ch.state || reason !== ch.reason
    ch.state = state
    ch.reason = reason
    const live = channelLive(ch)
    if (was !== live) ch.readsSinceSwitch = 0
    ch.enable.write(live)
    if (changed) ch.emit(ch.index, "state", state, reason)
}

/** Where the meter's ALERT trips the latch: above the limit, never past the meter's range. */
function alert_mA(ch: ChannelControl): number {
    return Math.min(channelEffectiveLimit_mA(ch) * ALERT_OVER_LIMIT, ch.cfg.rated_mA * 1.2)
}

/** Limit and set voltage to the hardware: the converter holds the limit, the meter's ALERT backs it. */
async function arm(ch: ChannelControl): Promise<void> {
    const conv = ch.conv
    if (conv) {
        await tps55289SetOutput_mV(conv, ch.out_mV)
        await tps55289SetLimit_mA(conv, channelEffectiveLimit_mA(ch))
    }
    await ina228SetAlertLimit(ch.meter, alert_mA(ch))
}

/** The meter or converter failed with `e`: fault, the reason `what` + the error's text + `after`. */
function lost(ch: ChannelControl, now_ms: number, what: string, e: any, after = ""): void {
    ch.meterReady = false
    ch.requested = false
    ch.nextRetry_ms = now_ms + 5000
    go(ch, "fault", what + errorText(e) + after)
}

/** Close the switch through the soft start, the trip re-armed (read back) and its latch released first. */
async function startOutput(ch: ChannelControl, now_ms: number, why: string): Promise<void> {
    try {
        await arm(ch)
        await ina228ReadDiag(ch.meter)
        ch.overSince_ms = -1
        ch.live_ms = now_ms
        go(ch, "starting", why)
    } catch (e) {
        lost(ch, now_ms, "meter/converter: ", e)
    }
}

/** A trip the hardware took (or a short): latched until the user switches the output on again. */
function alertTrip(ch: ChannelControl): void {
    hardTrip(ch, `current above ${fmtAmps(alert_mA(ch))} (meter ALERT)`)
}

function hardTrip(ch: ChannelControl, why: string): void {
    ch.requested = false
    go(ch, "tripped", `short circuit or heavy overload: ${why}; switch on again once the cause is removed`)
}

/** The firmware's overload trip: retried with exponential back-off while the user still wants it on. */
function overload(ch: ChannelControl, now_ms: number, cur_mA: number, lim_mA: number): void {
    const what = `overload ${fmtAmps(cur_mA)} > limit ${fmtAmps(lim_mA)} (firmware)`
    const retries = ch.retries
    if (retries >= RETRIES) {
        ch.requested = false
        go(ch, "tripped", `${what}; ${RETRIES} retries failed: switch on again once the load is fixed`)
        return
    }
    const wait_ms = RETRY_FIRST_ms * Math.pow(2, retries)
    ch.retries = retries + 1
    ch.nextRetry_ms = now_ms + wait_ms
    go(ch, "tripped", `${what}; retry in ${Math.round(wait_ms / 1000)} s`)
}
