// Every way into the box (Jacdac write, MQTT, BLE, button, companion, scenario) becomes a Command checked
// here, with one set of bounds. The answer says what would actually be applied, or why nothing is.
import { BoxConfig, ChannelConfig } from "./box_config"
import { PackConfig, checkPackConfig, inRange, isObject, wholeIn } from "./battery/pack_config"
import { clip, quote } from "./fmt"
import { PRIORITIES } from "./load_policy"

export interface Command {
    kind: string
    channel?: number
    on?: boolean
    limit_mA?: number
    pack?: PackConfig
    /** fault.clear: one latched fault's id, or "" for every latched fault. */
    fault?: string
    name?: string
    priority?: string
    quota_Wh?: number
    voltage_mV?: number
    /** charge.ceiling: stop charging at this state of charge, per mille. */
    ceiling_pm?: number
    /** charge.full_by: be full in this many hours (0 cancels). */
    in_h?: number
}

export interface CommandResult {
    ok: boolean
    /** Empty when ok; otherwise a sentence a person can act on. */
    reason: string
    /** The normalised command that is (or would have been) applied. */
    applied: Command
}

export const COMMAND_KINDS = ["channel.enable", "channel.limit", "channel.name", "channel.priority", "channel.quota", "channel.voltage", "pack.config", "fault.clear", "charge.ceiling", "charge.full_by"]
/** The channel.* kinds come first in COMMAND_KINDS: this many. */
const CHANNEL_KINDS = 6
/** The one value field of each kind, in COMMAND_KINDS order. */
const VALUE_FIELDS = ["on", "limit_mA", "name", "priority", "quota_Wh", "voltage_mV", "pack", "fault", "ceiling_pm", "in_h"]
/** The charge ceiling's range, per mille: below half the pack is barely useful; "full by" up to a week ahead. */
export const MIN_CEILING_pm = 500
export const MAX_FULL_BY_h = 168
/** USB-C voltages a PD source may offer: 5-20 V in the converter's 20 mV steps. */
const USB_C_MIN_mV = 5000
const USB_C_MAX_mV = 20000
/** The largest finite number: NaN and the infinities are outside -MAX_FINITE..MAX_FINITE. */
const MAX_FINITE = 1.7976931348623157e308

/** Stateless validation: shape, types and bounds. Stateful refusals (a faulted channel) come from the supervisor. */
export function validateCommand(raw: any, cfg: BoxConfig): CommandResult {
    let applied: any = {}
    const why = commandProblem(raw, cfg, applied)
    const ok = why === ""
    // One result literal for both answers (code space): a refusal applies nothing.
    if (!ok) applied = undefined
    return { ok, reason: why, applied }
}

/** Why the command is refused, or "" when it is fine; `applied` receives the normalised command. */
function commandProblem(raw: any, cfg: BoxConfig, applied: any): string {
    if (!isObject(raw)) return "a command must be a JSON object"
    const kind = raw.kind
    // Not a string is not in the list either.
    const k = COMMAND_KINDS.indexOf(kind)
    if (k < 0) {
        // No command can switch off, loosen or bypass a protection: say so rather than "unknown".
        if (typeof kind === "string") {
            if (kind.toLowerCase().indexOf("protect") >= 0) return "protections cannot be changed or disabled remotely: their limits come from the chemistry preset and the board"
        }
        return `unknown command kind ${quote(kind)}; expected one of ${COMMAND_KINDS.join(", ")}`
    }
    const field = VALUE_FIELDS[k]
    const onChannel = k < CHANNEL_KINDS
    const allowed = ["kind"]
    if (onChannel) allowed.push("channel")
    allowed.push(field)
    for (const key of Object.keys(raw)) if (allowed.indexOf(key) < 0) return `unknown field '${clip(key)}'`
    // fault.clear without an id clears every latched fault.
    if (kind !== "fault.clear") for (const key of allowed) if (raw[key] === undefined) return `missing field '${key}'`
    applied.kind = kind
    let c: ChannelConfig = undefined
    if (onChannel) {
        const ch = raw.channel
        const count = cfg.channels.length
        if (!wholeIn(ch, 0, count - 1)) return `channel must be an integer 0..${count - 1}, got ${quote(ch)}`
        applied.channel = ch
        c = cfg.channels[ch]
    }
    const v = raw[field]
    applied[field] = v
    if (kind === "pack.config") {
        const problems = checkPackConfig(v, cfg.battery.limits)
        if (problems.length > 0) return "pack: " + problems.join("; ")
        applied.pack = { chemistry: v.chemistry, series: v.series, parallel: v.parallel, cellCapacity_mAh: Math.round(v.cellCapacity_mAh) }
        return ""
    }
    if (kind === "fault.clear") {
        let id = v
        if (id === undefined) id = ""
        if (typeof id !== "string" || id.length > 40) return "'fault' must be a fault id (a string), got " + quote(v)
        applied.fault = id
        return ""
    }
    if (!onChannel) {
        // charge.ceiling or charge.full_by
        let lo = 0
        let hi = MAX_FULL_BY_h
        if (kind === "charge.ceiling") {
            lo = MIN_CEILING_pm
            hi = 1000
        }
        if (!inRange(v, lo, hi)) return `${field} must be a number from ${lo} to ${hi}, got ${quote(v)}`
        applied[field] = Math.round(v)
        return ""
    }
    if (kind === "channel.enable") {
        if (typeof v !== "boolean") return "'on' must be true or false, got " + quote(v)
        return ""
    }
    if (kind === "channel.name") {
        // Printable ASCII only: names travel in Jacdac strings, JSON and MQTT topics' payloads.
        let plain = typeof v === "string"
        if (plain) plain = inRange(v.length, 1, 20)
        if (plain) for (let i = 0; i < v.length; i++) if (!inRange(v.charCodeAt(i), 32, 126)) plain = false
        if (!plain) return "name must be 1-20 printable ASCII characters, got " + quote(v)
        return ""
    }
    if (kind === "channel.priority") {
        if (PRIORITIES.indexOf(v) < 0) return `priority must be one of ${PRIORITIES.join(", ")}, got ${quote(v)}`
        return ""
    }
    if (!inRange(v, -MAX_FINITE, MAX_FINITE)) return `${field} must be a number, got ${quote(v)}`
    const n = Math.round(v)
    applied[field] = n
    if (kind === "channel.quota") {
        if (!inRange(n, 0, 10000)) return "quota_Wh must be 0 (none) to 10000 Wh, got " + n
        return ""
    }
    if (kind === "channel.voltage") {
        if (c.kind !== "usb_c") return `${c.name} has a fixed ${c.stage_mV} mV output; only USB-C outputs take a voltage`
        if (!inRange(n, USB_C_MIN_mV, USB_C_MAX_mV)) return `voltage ${n} mV is outside USB-C's ${USB_C_MIN_mV}-${USB_C_MAX_mV} mV`
        return ""
    }
    // channel.limit
    if (n > c.rated_mA) return `limit ${n} mA exceeds the hardware rating of ${c.name} (${c.rated_mA} mA)`
    if (n < c.minLimit_mA) return `limit ${n} mA is below the smallest enforceable limit (${c.minLimit_mA} mA)`
    return ""
}
