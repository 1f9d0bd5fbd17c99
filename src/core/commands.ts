// Every way into the box (Jacdac write, MQTT, BLE, button, companion, scenario) becomes a Command checked
// here, with one set of bounds. The answer says what would actually be applied, or why nothing is.
import { BoxConfig } from "./box_config"
import { PackConfig, checkPackConfig } from "./battery/pack_config"
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
/** The one value field of each channel.* kind, in COMMAND_KINDS order. */
const CHANNEL_FIELDS = ["on", "limit_mA", "name", "priority", "quota_Wh", "voltage_mV"]
/** The charge ceiling's range, per mille: below half the pack is barely useful; "full by" up to a week ahead. */
export const MIN_CEILING_pm = 500
export const MAX_FULL_BY_h = 168
/** USB-C voltages a PD source may offer: 5-20 V in the converter's 20 mV steps. */
const USB_C_MIN_mV = 5000
const USB_C_MAX_mV = 20000

function reject(reason: string): CommandResult {
    return { ok: false, reason, applied: undefined }
}

function isObject(v: any): boolean {
    return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v)
}

function checkFields(raw: any, allowed: string[]): string {
    for (const k of Object.keys(raw)) if (allowed.indexOf(k) < 0) return "unknown field '" + clip(k) + "'"
    for (const k of allowed) if (raw[k] === undefined) return "missing field '" + k + "'"
    return ""
}

function checkChannel(raw: any, cfg: BoxConfig): string {
    const ch = raw.channel
    if (typeof ch !== "number" || !(ch >= 0 && ch < cfg.channels.length) || Math.floor(ch) !== ch)
        return "channel must be an integer 0.." + (cfg.channels.length - 1) + ", got " + quote(ch)
    return ""
}

/** Stateless validation: shape, types and bounds. Stateful refusals (a faulted channel) come from the supervisor. */
export function validateCommand(raw: any, cfg: BoxConfig): CommandResult {
    if (!isObject(raw)) return reject("a command must be a JSON object")
    const kind = raw.kind
    // No command can switch off, loosen or bypass a protection: say so rather than "unknown".
    if (typeof kind === "string" && kind.toLowerCase().indexOf("protect") >= 0)
        return reject("protections cannot be changed or disabled remotely: their limits come from the chemistry preset and the board")
    if (typeof kind !== "string" || COMMAND_KINDS.indexOf(kind) < 0)
        return reject("unknown command kind " + quote(kind) + "; expected one of " + COMMAND_KINDS.join(", "))
    if (kind === "pack.config") {
        const bad = checkFields(raw, ["kind", "pack"])
        if (bad) return reject(bad)
        const problems = checkPackConfig(raw.pack, cfg.battery.limits)
        if (problems.length > 0) return reject("pack: " + problems.join("; "))
        const p = raw.pack
        return { ok: true, reason: "", applied: { kind, pack: { chemistry: p.chemistry, series: p.series, parallel: p.parallel, cellCapacity_mAh: Math.round(p.cellCapacity_mAh) } } }
    }
    if (kind === "fault.clear") {
        for (const k of Object.keys(raw)) if (k !== "kind" && k !== "fault") return reject("unknown field '" + clip(k) + "'")
        const id = raw.fault === undefined ? "" : raw.fault
        if (typeof id !== "string" || id.length > 40) return reject("'fault' must be a fault id (a string), got " + quote(raw.fault))
        return { ok: true, reason: "", applied: { kind, fault: id } }
    }
    if (kind.indexOf("charge.") === 0) {
        const ceiling = kind === "charge.ceiling"
        const f = ceiling ? "ceiling_pm" : "in_h"
        const bad = checkFields(raw, ["kind", f])
        if (bad) return reject(bad)
        const lo = ceiling ? MIN_CEILING_pm : 0
        const hi = ceiling ? 1000 : MAX_FULL_BY_h
        const x = raw[f]
        if (typeof x !== "number" || !(x >= lo && x <= hi)) return reject(f + " must be a number from " + lo + " to " + hi + ", got " + quote(x))
        const done: any = { kind }
        done[f] = Math.round(x)
        return { ok: true, reason: "", applied: done }
    }
    const field = CHANNEL_FIELDS[COMMAND_KINDS.indexOf(kind)]
    const bad = checkFields(raw, ["kind", "channel", field]) || checkChannel(raw, cfg)
    if (bad) return reject(bad)
    const v = raw[field]
    const c = cfg.channels[raw.channel]
    const applied: any = { kind, channel: raw.channel }
    applied[field] = v
    const ok: CommandResult = { ok: true, reason: "", applied }
    if (kind === "channel.enable") return typeof v === "boolean" ? ok : reject("'on' must be true or false, got " + quote(v))
    if (kind === "channel.name") {
        // Printable ASCII only: names travel in Jacdac strings, JSON and MQTT topics' payloads.
        let plain = typeof v === "string" && v.length >= 1 && v.length <= 20
        for (let i = 0; plain && i < v.length; i++) plain = v.charCodeAt(i) >= 32 && v.charCodeAt(i) < 127
        return plain ? ok : reject("name must be 1-20 printable ASCII characters, got " + quote(v))
    }
    if (kind === "channel.priority")
        return PRIORITIES.indexOf(v) >= 0 ? ok : reject("priority must be one of " + PRIORITIES.join(", ") + ", got " + quote(v))
    if (typeof v !== "number" || !(v === v) || v === Infinity || v === -Infinity) return reject(field + " must be a number, got " + quote(v))
    const n = Math.round(v)
    applied[field] = n
    if (kind === "channel.quota") return n >= 0 && n <= 10000 ? ok : reject("quota_Wh must be 0 (none) to 10000 Wh, got " + n)
    if (kind === "channel.voltage") {
        if (c.kind !== "usb_c") return reject(c.name + " has a fixed " + c.stage_mV + " mV output; only USB-C outputs take a voltage")
        if (n < USB_C_MIN_mV || n > USB_C_MAX_mV) return reject("voltage " + n + " mV is outside USB-C's " + USB_C_MIN_mV + "-" + USB_C_MAX_mV + " mV")
        return ok
    }
    // channel.limit
    if (n > c.rated_mA) return reject("limit " + n + " mA exceeds the hardware rating of " + c.name + " (" + c.rated_mA + " mA)")
    if (n < c.minLimit_mA) return reject("limit " + n + " mA is below the smallest enforceable limit (" + c.minLimit_mA + " mA)")
    return ok
}
