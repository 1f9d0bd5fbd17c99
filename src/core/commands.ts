// Every way into the box (Jacdac write, MQTT, BLE, button, companion, scenario) becomes a Command checked
// here, with one set of bounds. The answer says what would actually be applied, or why nothing is.
import { BoxConfig } from "./box_config"
import { PackConfig, checkPackConfig } from "./battery/pack_config"
import { clip, quote } from "./fmt"

export interface Command {
    kind: string
    channel?: number
    on?: boolean
    limit_mA?: number
    pack?: PackConfig
    /** fault.clear: one latched fault's id, or "" for every latched fault. */
    fault?: string
}

export interface CommandResult {
    ok: boolean
    /** Empty when ok; otherwise a sentence a person can act on. */
    reason: string
    /** The normalised command that is (or would have been) applied. */
    applied: Command
}

export const COMMAND_KINDS = ["channel.enable", "channel.limit", "pack.config", "fault.clear"]

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
    if (kind === "channel.enable") {
        const bad = checkFields(raw, ["kind", "channel", "on"]) || checkChannel(raw, cfg)
        if (bad) return reject(bad)
        if (typeof raw.on !== "boolean") return reject("'on' must be true or false, got " + quote(raw.on))
        return { ok: true, reason: "", applied: { kind, channel: raw.channel, on: raw.on } }
    }
    // channel.limit
    const bad = checkFields(raw, ["kind", "channel", "limit_mA"]) || checkChannel(raw, cfg)
    if (bad) return reject(bad)
    const v = raw.limit_mA
    if (typeof v !== "number" || !(v === v) || v === Infinity || v === -Infinity)
        return reject("limit_mA must be a number, got " + quote(v))
    const c = cfg.channels[raw.channel]
    const mA = Math.round(v)
    if (mA > c.rated_mA)
        return reject("limit " + mA + " mA exceeds the hardware rating of " + c.name + " (" + c.rated_mA + " mA)")
    if (mA < c.minLimit_mA) return reject("limit " + mA + " mA is below the smallest enforceable limit (" + c.minLimit_mA + " mA)")
    return { ok: true, reason: "", applied: { kind, channel: raw.channel, limit_mA: mA } }
}
