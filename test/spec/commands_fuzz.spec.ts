// Shared spec (VM + Node): a seeded fuzz of the command validator (src/core/commands.ts). Every way into
// the box ends in validateCommand, so whatever it is fed it must not throw, must answer {ok, reason,
// applied}, must refuse with a reason and nothing applied, must only ever apply values inside the box's
// bounds (channel index, the channel's minLimit_mA..rated_mA, the board's pack limits and chemistries), and
// must leave its input alone.
//
// Reproducing a failure: the message names the fuzz seed, the family, the case number, the case seed and
// the config. `fuzzCase(family, caseSeed, cfg, maxLong)` rebuilds that one input (maxLong: 1024 in the VM,
// 65536 in Node; only long strings differ between the runtimes) and `checkCase(raw, cfg, true)` judges it.
// Node runs ~8000 cases, the VM ~700 (it is ~1000 times slower per case under --test).
//
// Kinds: COMMAND_KINDS is read from commands.ts. The kinds this file knows (KNOWN_KINDS) get exact
// checks and an independent statement of their rules (expectAccept); a kind added later is fed its own
// name with every known field and random values, and its answers are held to the shape every answer must
// have (no crash, and an accepted command carries only in-bounds values for the fields this file knows).
import { oneOutputConfig } from "../../sim/board/test_boards"
import { BoxConfig, ChannelConfig, referenceConfig } from "../../src/core/box_config"
import { COMMAND_KINDS, CommandResult, validateCommand } from "../../src/core/commands"
import { PackLimits, checkPackConfig } from "../../src/core/battery/pack_config"
import { chemistryIds } from "../../src/core/battery/chemistry"
import { Spec, TestApi, assertEq, assertTrue, fail } from "../harness/api"

export const FUZZ_SEED = 20261123

export const KNOWN_KINDS = ["channel.enable", "channel.limit", "pack.config"]
const PACK_FIELDS = ["chemistry", "series", "parallel", "cellCapacity_mAh"]
/** Every command field this file knows of (fault: fault.clear's, checked for shape only). */
const KNOWN_FIELDS = ["channel", "on", "limit_mA", "pack", "fault"]
/** Bounds of cellCapacity_mAh (pack_config.ts states them in its reason; the config does not carry them). */
const CAP_MIN = 100
const CAP_MAX = 1000000

// ---- the generator ----------------------------------------------------------------------------------

/**
 * Cases between yields in the VM. One case (generate, copy, validate, judge, compare) costs a few
 * thousand bytecode ops, and the VM ends a slice at ~128 K ops.
 */
const PAUSE_EVERY = 20

const TWO_31 = 2147483648

/**
 * Marsaglia's xorshift32 (shifts 13, 17, 5). Every step is an int32 operation: exact and identical in Node
 * and the VM, and on the VM's int32 fast path (a double-based Park-Miller allocates on every draw). No `%`:
 * int(n) masks and retries. Seeds are taken as int32. Each method steps inline: under `--test` every VM call
 * costs tens of microseconds (GC stress), and the fuzz makes millions of draws.
 */
export class Prng {
    private x: number
    /** `warmup` steps spread neighbouring seeds apart (0 for the published check sequence). */
    constructor(seed: number, warmup: number = 8) {
        let x = seed | 0
        if (x === 0) x = 0x2545f491
        for (let i = 0; i < warmup; i++) {
            x ^= x << 13
            x ^= x >>> 17
            x ^= x << 5
        }
        this.x = x
    }
    /** One step; the new state as an unsigned 32-bit number (the published sequence). */
    step(): number {
        let x = this.x
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        this.x = x
        return x >>> 0
    }
    /** 31 random bits, 0 .. 2^31 - 1 (also the case seeds). */
    nextInt(): number {
        let x = this.x
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        this.x = x
        return x >>> 1
    }
    /** Uniform in [0, 1). */
    next(): number {
        let x = this.x
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        this.x = x
        return (x >>> 1) / TWO_31
    }
    /** Uniform 0 .. n-1 for an integer 1 <= n <= 2^31. */
    int(n: number): number {
        if (n <= 1) return 0
        let mask = 1
        while (mask < n - 1) mask = (mask << 1) | 1
        let x = this.x
        while (true) {
            x ^= x << 13
            x ^= x >>> 17
            x ^= x << 5
            const r = (x >>> 1) & mask
            if (r < n) {
                this.x = x
                return r
            }
        }
    }
    chance(p: number): boolean {
        let x = this.x
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        this.x = x
        return x >>> 1 < p * TWO_31
    }
    pick<T>(a: T[]): T {
        return a[this.int(a.length)]
    }
}

let chemIds: string[] = undefined

/** chemistryIds(), read once. */
function chemistries(): string[] {
    if (!chemIds) chemIds = chemistryIds()
    return chemIds
}

function isInt(v: any): boolean {
    return typeof v === "number" && v === v && Math.floor(v) === v
}

function isPlainObject(v: any): boolean {
    return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v)
}

/** A string of `n` copies of `ch`, built by doubling (a char at a time costs the VM n ops). */
function repeatStr(ch: string, n: number): string {
    let s = ch
    while (s.length < n) s = s + s
    return s.slice(0, n)
}

/** Kind name variants: other case, spaces, other separators, one letter off. */
function kindVariant(g: Prng, k: string): string {
    const r = g.int(9)
    if (r === 0) return k.toUpperCase()
    if (r === 1) return k.charAt(0).toUpperCase() + k.slice(1)
    if (r === 2) return " " + k
    if (r === 3) return k + " "
    if (r === 4) return k.split(".").join("_")
    if (r === 5) return k + "s"
    if (r === 6) return k.slice(0, k.length - 1)
    if (r === 7) return k.split(".").join("")
    const p = k.split(".")
    return p.length > 1 ? p[1] + "." + p[0] : k + "." + k
}

const HUGE = [1e21, -1e21, 1e300, -1e300, 1e308, -1e308, 9007199254740992, 9007199254740994, -9007199254740992, 2147483647, 2147483648, -2147483648, -2147483649, 4294967296, 4294967295]
// Near-subnormal literals upset the 2.16.4 compiler/VM (5e-324 fails verification); these are safe.
const TINY = [1e-300, -1e-300, 1e-15, 1e-7, -1e-7, 4.9e-7, 0.1 + 0.2 - 0.3]
const NUMERIC_STRINGS = ["0", "1", "-1", "0.5", "1e3", "100", "5000", "4000.5", "NaN", "Infinity", "-0", " 1", "0x10", "1_000", "true", "false", "null", "undefined", "[]", "{}"]
const WORDS = ["", "channel", "limit", "enable", "pack", "kind", "on", "off", "é", "\n", "\t", "ü€", "NMC", "LFP", "nmc", "Li-ion", "protect", "fault.clear", "channel.explode", "channel.enable.", "."]
const KEY_POOL = ["kind", "channel", "on", "limit_mA", "pack", "fault", "Kind", "KIND", "Channel", "limit_ma", "Limit_mA", "limit", "value", "", " ", "extra", "constructor", "toString", "chemistry", "series", "0"]
const EXTRA_KEYS = ["extra", "Channel", "KIND", "Kind", "limit_ma", "Limit_mA", "onn", "kind ", " kind", "value", "", "0", "constructor", "toString", "fault", "pack", "on", "limit_mA", "channel", "series"]
const LONG_LENGTHS = [40, 41, 64, 256, 1000, 4096, 65536]
const LONG_CHARS = ["x", "7", " ", "é", "{"]

/**
 * Longest string the generator makes. The VM's heap (64 KiB, shared with everything else loaded) runs out
 * on reasons of a few kilobytes, an uncatchable panic: the validator quotes the offending value whole.
 */
function longCap(t: TestApi): number {
    return t.runtime === "vm" ? 1024 : 65536
}

let refCfg: BoxConfig = undefined

/** The reference config, made once (commands nested inside random values are built against it). */
function reference(): BoxConfig {
    if (!refCfg) refCfg = oneOutputConfig()
    return refCfg
}

/** Every JSON-ish type, weighted toward the odd ones. At depth >= 3 only leaves. */
export function randomValue(g: Prng, depth: number, maxLong: number): any {
    const k = g.int(depth >= 3 ? 14 : 18)
    if (k === 0) return undefined
    if (k === 1) return null
    if (k === 2) return g.chance(0.5)
    if (k === 3) return NaN
    if (k === 4) return g.chance(0.5) ? Infinity : -Infinity
    if (k === 5) return g.chance(0.5) ? -0 : 0
    if (k === 6) return g.int(12) - 3
    if (k === 7) return g.pick(HUGE)
    if (k === 8) return g.pick(TINY)
    if (k === 9) return (g.next() - 0.5) * g.pick([1, 10, 1000, 20000, 1e7])
    if (k === 10) return g.pick(NUMERIC_STRINGS)
    if (k === 11) return g.chance(0.5) ? g.pick(WORDS) : g.chance(0.5) ? g.pick(COMMAND_KINDS) : kindVariant(g, g.pick(COMMAND_KINDS))
    if (k === 12) {
        const n = g.pick(LONG_LENGTHS)
        const ch = g.pick(LONG_CHARS)
        // The VM's JSON.stringify writes each UTF-8 byte of "é" as a \u00XX escape (12 characters for
        // one), and the validator's reasons quote the value: keep non-ASCII runs 16 times shorter.
        const cap = ch === "é" ? maxLong / 16 : maxLong
        return repeatStr(ch, n < cap ? n : cap)
    }
    if (k === 13) return g.int(2000001) - 1000000
    if (k === 14) {
        const a: any[] = []
        const n = g.int(4)
        for (let i = 0; i < n; i++) a.push(randomValue(g, depth + 1, maxLong))
        return a
    }
    if (k === 15) return randomObject(g, depth + 1, maxLong)
    if (k === 16) return randomCommandLike(g, depth + 1, maxLong)
    return g.chance(0.5) ? [validCommand(g, reference())] : { command: validCommand(g, reference()) }
}

function randomObject(g: Prng, depth: number, maxLong: number): any {
    const o: any = {}
    const n = g.int(5)
    for (let i = 0; i < n; i++) o[g.pick(KEY_POOL)] = randomValue(g, depth + 1, maxLong)
    return o
}

/** An object with a kind (usually a real one) and random values under the command field names. */
function randomCommandLike(g: Prng, depth: number, maxLong: number): any {
    const o: any = {}
    const r = g.next()
    if (r < 0.6) o.kind = g.pick(COMMAND_KINDS)
    else if (r < 0.75) o.kind = kindVariant(g, g.pick(COMMAND_KINDS))
    else if (r < 0.9) o.kind = randomValue(g, depth + 1, maxLong)
    for (const f of KNOWN_FIELDS) if (g.chance(0.45)) o[f] = g.chance(0.5) ? plausible(g, f, reference()) : randomValue(g, depth + 1, maxLong)
    if (g.chance(0.15)) o[g.pick(EXTRA_KEYS)] = randomValue(g, depth + 1, maxLong)
    return o
}

/** A value that is often valid for the field. */
function plausible(g: Prng, field: string, cfg: BoxConfig): any {
    const n = cfg.channels.length
    if (field === "channel") return g.int(n + 1)
    if (field === "on") return g.chance(0.5)
    if (field === "limit_mA") {
        const c = cfg.channels[g.int(n)]
        return c.minLimit_mA - 50 + g.int(c.rated_mA - c.minLimit_mA + 101)
    }
    if (field === "pack") return validPack(g, cfg.battery.limits)
    if (field === "fault") return g.pick(FAULT_IDS)
    return g.int(3)
}

export function validPack(g: Prng, limits: PackLimits): any {
    const p: any = {}
    const cap = g.chance(0.7) ? CAP_MIN + g.int(20000) : CAP_MIN + g.int(CAP_MAX - CAP_MIN + 1)
    const values = [g.pick(chemistries()), limits.minSeries + g.int(limits.maxSeries - limits.minSeries + 1), 1 + g.int(limits.maxParallel), g.chance(0.8) ? cap : cap + g.next() * 0.98 - 0.49]
    insertShuffled(g, p, PACK_FIELDS, values)
    // a capacity just under the bounds can round out of them; keep this one valid
    if (p.cellCapacity_mAh < CAP_MIN) p.cellCapacity_mAh = CAP_MIN
    if (p.cellCapacity_mAh > CAP_MAX) p.cellCapacity_mAh = CAP_MAX
    return p
}

/** Sets o[keys[i]] = values[i], starting at a random field, forwards or backwards (order must not matter). */
function insertShuffled(g: Prng, o: any, keys: string[], values: any[]): void {
    const n = keys.length
    const start = g.int(n)
    const back = g.chance(0.5)
    for (let j = 0; j < n; j++) {
        let i = back ? start - j : start + j
        if (i < 0) i += n
        if (i >= n) i -= n
        o[keys[i]] = values[i]
    }
}

// Constant arrays live at module level: the VM's --test mode runs a GC on allocations, so an array literal
// inside a function evaluated thousands of times costs seconds there.
const FAULT_IDS = ["", "overcurrent", "ch0.trip", "afe", "x"]
const SWITCH_FIELDS = ["channel", "on", "limit_mA"]
const ENABLE_KEYS = ["kind", "channel", "on"]
const LIMIT_KEYS = ["kind", "channel", "limit_mA"]
const PACK_KEYS = ["kind", "pack"]
const RESULT_KEYS = ["ok", "reason", "applied"]
const RESULT_KEYS_SHORT = ["ok", "reason"]
const ENABLE_FIELDS = ["channel", "on"]
const LIMIT_FIELDS = ["channel", "limit_mA"]
const PACK_ONLY = ["pack"]

/** The fields of a known kind besides `kind`. */
function ownFields(kind: string): string[] {
    return kind === "channel.enable" ? ENABLE_FIELDS : kind === "channel.limit" ? LIMIT_FIELDS : PACK_ONLY
}

/** A valid command of a known kind. */
export function validCommand(g: Prng, cfg: BoxConfig): any {
    const kind = g.pick(KNOWN_KINDS)
    const o: any = {}
    if (kind === "pack.config") {
        insertShuffled(g, o, PACK_KEYS, [kind, validPack(g, cfg.battery.limits)])
        return o
    }
    const ch = g.int(cfg.channels.length)
    if (kind === "channel.enable") {
        insertShuffled(g, o, ENABLE_KEYS, [kind, ch, g.chance(0.5)])
        return o
    }
    const c = cfg.channels[ch]
    const mA = c.minLimit_mA + g.int(c.rated_mA - c.minLimit_mA + 1)
    insertShuffled(g, o, LIMIT_KEYS, [kind, ch, g.chance(0.7) ? mA : mA + g.next() * 0.98 - 0.49])
    return o
}

/** Values at and just beyond each bound of a config, built once per config object. */
class BoundaryTables {
    readonly cfg: BoxConfig
    readonly channel: number[]
    /** Per channel: limits around minLimit_mA and rated_mA. */
    readonly limit: number[][] = []
    readonly series: number[]
    readonly parallel: number[]
    readonly capacity: number[]
    readonly chemistry: string[] = []
    readonly on: any[] = [true, false, 1, 0, "true"]
    constructor(cfg: BoxConfig) {
        this.cfg = cfg
        const n = cfg.channels.length
        const lim = cfg.battery.limits
        this.channel = [-1, -0, 0, n - 1, n, n + 1, 0.5, n - 0.5, n - 1 + 1e-9, -1e-9, 2147483648]
        for (const c of cfg.channels) {
            const lo = c.minLimit_mA
            const hi = c.rated_mA
            this.limit.push([lo - 1, lo - 0.51, lo - 0.5, lo - 0.49, lo, lo + 0.5, lo + 1, hi - 1, hi - 0.5, hi, hi + 0.49, hi + 0.5, hi + 0.51, hi + 1, 0, -0, 1, -1])
        }
        this.series = [lim.minSeries - 1, lim.minSeries, lim.minSeries + 0.5, lim.maxSeries, lim.maxSeries + 1, lim.maxSeries - 0.5, 0, 1]
        this.parallel = [0, 1, 1.5, lim.maxParallel - 0.5, lim.maxParallel, lim.maxParallel + 1, -1, 0.999]
        this.capacity = [CAP_MIN - 1, CAP_MIN - 0.5, CAP_MIN - 0.01, CAP_MIN, CAP_MIN + 0.49, CAP_MIN + 0.5, CAP_MAX - 0.5, CAP_MAX - 0.4, CAP_MAX, CAP_MAX + 0.01, CAP_MAX + 0.5, CAP_MAX + 1, 0]
        for (const id of chemistries()) {
            this.chemistry.push(id)
            this.chemistry.push(id)
            this.chemistry.push(id.toLowerCase())
            this.chemistry.push(id + " ")
            this.chemistry.push(" " + id)
            this.chemistry.push(id.charAt(0))
        }
        this.chemistry.push("")
    }
}

const tables: BoundaryTables[] = []

function tablesFor(cfg: BoxConfig): BoundaryTables {
    for (const t of tables) if (t.cfg === cfg) return t
    const t = new BoundaryTables(cfg)
    if (tables.length >= 8) tables.shift()
    tables.push(t)
    return t
}

/** Values at and just beyond each bound, for one field. */
function boundaryValue(g: Prng, field: string, cfg: BoxConfig, channel: number): any {
    const tb = tablesFor(cfg)
    if (field === "channel") return g.pick(tb.channel)
    if (field === "limit_mA") {
        // sometimes the other channel's bounds: valid there, maybe not here
        const n = cfg.channels.length
        const own = isInt(channel) && channel >= 0 && channel < n ? channel : 0
        return g.pick(tb.limit[g.chance(0.7) ? own : g.int(n)])
    }
    if (field === "series") return g.pick(tb.series)
    if (field === "parallel") return g.pick(tb.parallel)
    if (field === "cellCapacity_mAh") return g.pick(tb.capacity)
    if (field === "chemistry") return g.pick(tb.chemistry)
    if (field === "on") return g.pick(tb.on)
    return undefined
}

/** A valid known-kind command with one or more fields at (or one step beyond) a bound. */
function boundaryCommand(g: Prng, cfg: BoxConfig): any {
    const o = validCommand(g, cfg)
    if (o.kind === "pack.config") {
        const p = o.pack
        const k = 1 + g.int(2)
        for (let i = 0; i < k; i++) {
            const f = g.pick(PACK_FIELDS)
            p[f] = boundaryValue(g, f, cfg, -1)
        }
        return o
    }
    if (g.chance(0.5)) o.channel = boundaryValue(g, "channel", cfg, -1)
    if (o.kind === "channel.limit") {
        if (g.chance(0.8)) o.limit_mA = boundaryValue(g, "limit_mA", cfg, o.channel)
    } else if (g.chance(0.3)) o.on = boundaryValue(g, "on", cfg, 0)
    return o
}

/** A valid command with exactly one thing wrong (or, by chance, a different valid value). */
function mutatedCommand(g: Prng, cfg: BoxConfig, maxLong: number): any {
    const o = validCommand(g, cfg)
    const own = ownFields(o.kind)
    const m = g.int(12)
    if (m === 0) o[g.pick(own)] = randomValue(g, 1, maxLong) // wrong type (or a random value)
    else if (m === 1) {
        const f = g.pick(own)
        if (f === "pack") {
            const pf = g.pick(PACK_FIELDS)
            o.pack[pf] = boundaryValue(g, pf, cfg, -1)
        } else o[f] = boundaryValue(g, f, cfg, o.channel)
    } else if (m === 2) o[g.pick(EXTRA_KEYS)] = g.chance(0.7) ? randomValue(g, 1, maxLong) : plausible(g, g.pick(SWITCH_FIELDS), cfg)
    else if (m === 3) delete o[g.pick(own)]
    else if (m === 4) o[g.pick(own)] = undefined
    else if (m === 5) o.kind = kindVariant(g, o.kind)
    else if (m === 6) o.kind = g.chance(0.5) ? g.pick(WORDS) : randomValue(g, 1, maxLong)
    else if (m === 7) {
        if (g.chance(0.5)) delete o.kind
        else o.kind = undefined
    } else if (m === 8) o.kind = g.pick(COMMAND_KINDS) // another kind's name over these fields
    else if (m === 9 && o.pack) {
        const r = g.int(4)
        if (r === 0) delete o.pack[g.pick(PACK_FIELDS)]
        else if (r === 1) o.pack[g.pick(EXTRA_KEYS)] = randomValue(g, 2, maxLong)
        else if (r === 2) o.pack[g.pick(PACK_FIELDS)] = randomValue(g, 2, maxLong)
        else o.pack = g.pick([[o.pack], JSON.stringify(o.pack), null, undefined, {}, { pack: o.pack }])
    } else if (m === 10) {
        // the whole command wrapped, stringified or flattened
        const r = g.int(3)
        if (r === 0) return [o]
        if (r === 1) return JSON.stringify(o)
        return { kind: o.kind, command: o }
    } else o[g.pick(own)] = randomValue(g, 1, maxLong)
    return o
}

/** Any kind in COMMAND_KINDS (including ones this file does not know) with a random choice of fields. */
function anyKindCommand(g: Prng, cfg: BoxConfig, maxLong: number, kind: string): any {
    if (g.chance(0.4)) {
        // a valid command of some known kind, relabelled: valid again when the kinds match
        const v = validCommand(g, cfg)
        v.kind = kind
        if (g.chance(0.2)) v[g.pick(EXTRA_KEYS)] = plausible(g, g.pick(KNOWN_FIELDS), cfg)
        return v
    }
    // a random subset of the fields this file knows (each subset equally likely), mostly plausible values
    const o: any = { kind }
    for (const f of KNOWN_FIELDS) {
        if (g.chance(0.5)) continue
        const r = g.next()
        if (r < 0.7) o[f] = plausible(g, f, cfg)
        else if (r < 0.85) o[f] = boundaryValue(g, f, cfg, 0)
        else o[f] = randomValue(g, 1, maxLong)
    }
    if (g.chance(0.1)) o[g.pick(EXTRA_KEYS)] = randomValue(g, 1, maxLong)
    return o
}

/** Hand-written JSON texts, parsed as a transport would: overflow, escapes, duplicate keys, odd keys. */
export const JSON_TEXTS = [
    '{"kind":"channel.limit","channel":0,"limit_mA":1e400}',
    '{"kind":"channel.limit","channel":0,"limit_mA":-1e400}',
    '{"kind":"channel.limit","channel":0,"limit_mA":1E3}',
    '{"kind":"channel.limit","channel":0,"limit_mA":2.5e3}',
    '{"kind":"channel.limit","channel":0,"limit_mA":-0}',
    '{"kind":"channel.limit","channel":0.0,"limit_mA":1000}',
    '{"kind":"channel.limit","channel":1e-400,"limit_mA":1000}',
    '{"kind":"channel.limit","channel":0,"limit_mA":1000,"limit_mA":99999}',
    '{"kind":"channel.limit","channel":0,"limit_mA":99999,"limit_mA":1000}',
    '{"kind":"channel.enable","channel":0,"on":true,"kind":"channel.limit"}',
    '{"kind":"\\u0063hannel.enable","channel":0,"on":true}',
    '{"\\u006bind":"channel.enable","channel":0,"on":false}',
    '{"kind":"channel.enable\\u0000","channel":0,"on":true}',
    '{"kind":"channel.enable","channel":0,"on":true,"__proto__":{"x":1}}',
    '{"kind":"channel.enable","channel":0,"on":"true"}',
    '{"kind":"channel.enable","channel":[0],"on":true}',
    '{"kind":"channel.enable","channel":{"index":0},"on":true}',
    '{"kind":"channel.enable","channel":null,"on":true}',
    '{"kind":"channel.enable","channel":0,"on":null}',
    '{"kind":"channel.enable","channel":0,"on":true,"":1}',
    '{"kind":"pack.config","pack":{"chemistry":"NMC","series":4,"parallel":2,"cellCapacity_mAh":4000}}',
    '{"kind":"pack.config","pack":{"chemistry":"NMC","series":4,"parallel":2,"cellCapacity_mAh":4000,"__proto__":{}}}',
    '{"kind":"pack.config","pack":{"chemistry":"NMC","series":4.0,"parallel":2,"cellCapacity_mAh":1e400}}',
    '{"kind":"pack.config","pack":{"chemistry":"NMC","series":4,"parallel":2,"cellCapacity_mAh":"4000"}}',
    '{"kind":"pack.config","pack":"{\\"chemistry\\":\\"NMC\\",\\"series\\":4,\\"parallel\\":2,\\"cellCapacity_mAh\\":4000}"}',
    '{"kind":"pack.config","pack":[{"chemistry":"NMC","series":4,"parallel":2,"cellCapacity_mAh":4000}]}',
    '{"kind":"pack.config","pack":{"chemistry":"NMC","series":4,"parallel":2,"cellCapacity_mAh":4000},"pack":null}',
    '{"kind":"fault.clear"}',
    '{"kind":"fault.clear","fault":""}',
    '{"kind":"fault.clear","fault":0}',
    '{"kind":"protection.disable","channel":0}',
    '{"kind":"Protect","on":false}',
    '[{"kind":"channel.enable","channel":0,"on":true}]',
    '"channel.enable"',
    "null",
    "0",
    "true",
    "{}",
    "[]",
]

/** Families of inputs. `fuzzCase(family, caseSeed, cfg)` rebuilds one case. */
export const FAMILIES = ["random", "mutated", "bounds", "kinds"]

export function fuzzCase(family: string, caseSeed: number, cfg: BoxConfig, maxLong: number): any {
    const g = new Prng(caseSeed)
    if (family === "random") return g.chance(0.3) ? randomValue(g, 0, maxLong) : g.chance(0.5) ? randomCommandLike(g, 0, maxLong) : randomObject(g, 0, maxLong)
    if (family === "mutated") return mutatedCommand(g, cfg, maxLong)
    if (family === "bounds") return boundaryCommand(g, cfg)
    return anyKindCommand(g, cfg, maxLong, g.pick(COMMAND_KINDS))
}

// ---- the oracle ---------------------------------------------------------------------------------------

/**
 * Independent statement of the rules for the kinds this file knows: true (must be accepted), false (must
 * be refused), or undefined (a kind this file does not know: no opinion).
 */
export function expectAccept(raw: any, cfg: BoxConfig): boolean {
    if (!isPlainObject(raw)) return false
    const kind = raw.kind
    if (typeof kind !== "string" || COMMAND_KINDS.indexOf(kind) < 0) return false
    let fields: string[]
    if (kind === "channel.enable") fields = ENABLE_KEYS
    else if (kind === "channel.limit") fields = LIMIT_KEYS
    else if (kind === "pack.config") fields = PACK_KEYS
    else return undefined
    for (const k of Object.keys(raw)) if (fields.indexOf(k) < 0) return false
    for (const f of fields) if (raw[f] === undefined) return false
    if (kind === "pack.config") {
        const p = raw.pack
        if (!isPlainObject(p)) return false
        for (const k of Object.keys(p)) if (PACK_FIELDS.indexOf(k) < 0) return false
        const lim = cfg.battery.limits
        if (typeof p.chemistry !== "string" || chemistries().indexOf(p.chemistry) < 0) return false
        if (!isInt(p.series) || p.series < lim.minSeries || p.series > lim.maxSeries) return false
        if (!isInt(p.parallel) || p.parallel < 1 || p.parallel > lim.maxParallel) return false
        const cap = p.cellCapacity_mAh
        return typeof cap === "number" && cap >= CAP_MIN && cap <= CAP_MAX
    }
    const ch = raw.channel
    if (!isInt(ch) || ch < 0 || ch >= cfg.channels.length) return false
    if (kind === "channel.enable") return raw.on === true || raw.on === false
    const v = raw.limit_mA
    if (typeof v !== "number" || !(v > -1e300 && v < 1e300)) return false
    const mA = Math.floor(v + 0.5) // half up, as Math.round for the positive values that can be in bounds
    const c = cfg.channels[ch]
    return mA >= c.minLimit_mA && mA <= c.rated_mA
}

function sameKeys(o: any, keys: string[]): boolean {
    const have = Object.keys(o)
    if (have.length !== keys.length) return false
    for (const k of keys) if (have.indexOf(k) < 0) return false
    return true
}

function finiteNumber(v: any): boolean {
    return typeof v === "number" && v === v && v !== Infinity && v !== -Infinity
}

/** "" when `a`, an accepted pack, is within the board's bounds. */
function packProblem(a: any, limits: PackLimits): string {
    if (!isPlainObject(a)) return "applied pack is not an object: " + render(a)
    if (!sameKeys(a, PACK_FIELDS)) return "applied pack has fields " + Object.keys(a).join(",")
    const problems = checkPackConfig(a, limits)
    if (problems.length > 0) return "applied pack is invalid: " + problems.join("; ")
    if (!isInt(a.cellCapacity_mAh)) return "applied cellCapacity_mAh not an integer: " + render(a.cellCapacity_mAh)
    if (chemistries().indexOf(a.chemistry) < 0) return "applied chemistry " + render(a.chemistry)
    return ""
}

/** "" when the fields of `a` that this file knows are all in bounds (any kind). */
function knownFieldsProblem(a: any, cfg: BoxConfig): string {
    for (const k of Object.keys(a)) {
        const v = a[k]
        if (v === undefined) return "applied." + k + " is present but undefined"
        if (typeof v === "number" && !finiteNumber(v)) return "applied." + k + " is " + render(v)
    }
    let c: ChannelConfig = undefined
    if (a.channel !== undefined) {
        if (!isInt(a.channel) || a.channel < 0 || a.channel >= cfg.channels.length) return "applied channel " + render(a.channel)
        c = cfg.channels[a.channel]
    }
    if (a.on !== undefined && a.on !== true && a.on !== false) return "applied on " + render(a.on)
    if (a.limit_mA !== undefined) {
        if (!c) return "applied limit_mA without a channel"
        const mA = a.limit_mA
        if (!isInt(mA)) return "applied limit_mA not an integer: " + render(mA)
        if (!(mA >= c.minLimit_mA && mA <= c.rated_mA)) return "applied limit " + mA + " outside [" + c.minLimit_mA + ", " + c.rated_mA + "] of " + c.name
    }
    if (a.pack !== undefined) return packProblem(a.pack, cfg.battery.limits)
    return ""
}

/**
 * "" if `r` is a well-formed answer to `raw` that stays inside the bounds; otherwise the problem. With
 * `useRules`, the decision must also match expectAccept (the supervisor's own refusals are stateful, so the
 * box spec leaves it off).
 */
export function resultProblem(raw: any, cfg: BoxConfig, r: CommandResult, useRules: boolean): string {
    if (!isPlainObject(r)) return "result is not an object: " + render(r)
    if (!sameKeys(r, RESULT_KEYS) && !(sameKeys(r, RESULT_KEYS_SHORT) && r.applied === undefined))
        return "result has fields " + Object.keys(r).join(",")
    if (r.ok !== true && r.ok !== false) return "ok is not a boolean: " + render(r.ok)
    if (typeof r.reason !== "string") return "reason is not a string: " + render(r.reason)
    if (!r.ok) {
        if (r.reason.length === 0) return "refused without a reason"
        if (r.applied !== undefined) return "refused but applied " + render(r.applied)
    } else {
        if (r.reason !== "") return "accepted with a reason: " + render(r.reason)
        const a: any = r.applied
        if (!isPlainObject(a)) return "accepted without an applied command: " + render(a)
        if (a === raw) return "applied is the input object itself"
        if (typeof a.kind !== "string" || COMMAND_KINDS.indexOf(a.kind) < 0) return "applied kind " + render(a.kind)
        if (!isPlainObject(raw) || a.kind !== raw.kind) return "applied kind " + render(a.kind) + " is not the input's"
        const p = knownFieldsProblem(a, cfg)
        if (p !== "") return p
        if (a.kind === "channel.enable") {
            if (!sameKeys(a, ENABLE_KEYS)) return "applied enable has fields " + Object.keys(a).join(",")
            if (a.channel !== raw.channel || a.on !== raw.on) return "applied enable differs from the input"
        } else if (a.kind === "channel.limit") {
            if (!sameKeys(a, LIMIT_KEYS)) return "applied limit has fields " + Object.keys(a).join(",")
            if (a.channel !== raw.channel) return "applied channel differs from the input"
            if (!(Math.abs(a.limit_mA - raw.limit_mA) <= 0.5)) return "applied limit " + a.limit_mA + " is not the input " + render(raw.limit_mA) + " rounded"
        } else if (a.kind === "pack.config") {
            if (!sameKeys(a, PACK_KEYS)) return "applied pack.config has fields " + Object.keys(a).join(",")
            if (a.pack === raw.pack) return "applied pack is the input's object (a later change to the input would reach it)"
            const q = raw.pack
            if (a.pack.chemistry !== q.chemistry || a.pack.series !== q.series || a.pack.parallel !== q.parallel)
                return "applied pack differs from the input"
            if (!(Math.abs(a.pack.cellCapacity_mAh - q.cellCapacity_mAh) <= 0.5)) return "applied capacity is not the input's rounded"
        }
    }
    if (useRules) {
        const want = expectAccept(raw, cfg)
        if (want !== undefined && r.ok !== want) return "ok=" + r.ok + " but the rules say " + want + " (reason: " + render(r.reason) + ")"
    }
    return ""
}

// ---- input immutability ---------------------------------------------------------------------------------

let cloneExact = true

/** A deep copy that keeps undefined, NaN and the infinities (a JSON copy would not). */
function deepClone(v: any): any {
    if (v === null || typeof v !== "object") return v
    if (Array.isArray(v)) {
        const a: any[] = []
        for (const x of v) a.push(deepClone(x))
        return a
    }
    const o: any = {}
    for (const k of Object.keys(v)) {
        // Node: assigning "__proto__" sets the prototype instead of a field; compare through JSON only.
        if (k === "__proto__") cloneExact = false
        else o[k] = deepClone(v[k])
    }
    return o
}

function deepEqual(a: any, b: any): boolean {
    if (typeof a !== typeof b) return false
    if (typeof a === "number") return a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b
    if (a === null || b === null || typeof a !== "object") return a === b
    if (Array.isArray(a) !== Array.isArray(b)) return false
    if (Array.isArray(a)) {
        if (a.length !== b.length) return false
        for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
        return true
    }
    const ka = Object.keys(a)
    if (!sameKeys(b, ka)) return false
    for (const k of ka) if (!deepEqual(a[k], b[k])) return false
    return true
}

// ---- rendering (failure messages) -------------------------------------------------------------------------

/** A short JS-like rendering that shows undefined, NaN, the infinities and -0, and shortens long strings. */
export function render(v: any): string {
    const s = renderAt(v, 0)
    return s.length > 600 ? s.slice(0, 600) + "...(" + s.length + " chars)" : s
}

function renderAt(v: any, depth: number): string {
    if (v === undefined) return "undefined"
    if (v === null) return "null"
    if (typeof v === "number") {
        if (v !== v) return "NaN"
        if (v === Infinity) return "Infinity"
        if (v === -Infinity) return "-Infinity"
        if (v === 0 && 1 / v < 0) return "-0"
        return "" + v
    }
    if (typeof v === "string") return v.length > 40 ? JSON.stringify(v.slice(0, 12)) + "+(" + v.length + " chars)" : JSON.stringify(v)
    if (typeof v !== "object") return "" + v
    if (depth >= 5) return Array.isArray(v) ? "[...]" : "{...}"
    const parts: string[] = []
    if (Array.isArray(v)) {
        for (const x of v) parts.push(renderAt(x, depth + 1))
        return "[" + parts.join(", ") + "]"
    }
    for (const k of Object.keys(v)) parts.push(JSON.stringify(k) + ": " + renderAt(v[k], depth + 1))
    return "{" + parts.join(", ") + "}"
}

// ---- one case -------------------------------------------------------------------------------------------

/** The answer of the last checkCase (undefined if the validator threw). */
let lastResult: CommandResult = undefined

/** Runs the validator on `raw` and returns "" or the problem: a throw, a bad answer, a mutated input. */
export function checkCase(raw: any, cfg: BoxConfig, useRules: boolean): string {
    lastResult = undefined
    cloneExact = true
    const copy = deepClone(raw)
    const exact = cloneExact
    const json = JSON.stringify(raw)
    let r: CommandResult = undefined
    try {
        r = validateCommand(raw, cfg)
        lastResult = r
    } catch (e: any) {
        return "validateCommand threw: " + (e && e.message !== undefined ? e.message : render(e))
    }
    const p = resultProblem(raw, cfg, r, useRules)
    if (p !== "") return p + "\n    result: " + render(r)
    if (JSON.stringify(raw) !== json) return "the input was changed (JSON before " + render(json) + ")"
    if (exact && !deepEqual(raw, copy)) return "the input was changed (before: " + render(copy) + ")"
    return ""
}

/** Tallies for one run. */
export class FuzzStats {
    cases = 0
    accepted = 0
    acceptedKinds: string[] = []
    refusedKinds: string[] = []
    maxReason = 0

    note(raw: any, r: CommandResult): void {
        this.cases++
        const kind = isPlainObject(raw) && typeof raw.kind === "string" ? raw.kind : ""
        if (r && r.ok) {
            this.accepted++
            if (this.acceptedKinds.indexOf(kind) < 0) this.acceptedKinds.push(kind)
        } else if (COMMAND_KINDS.indexOf(kind) >= 0 && this.refusedKinds.indexOf(kind) < 0) this.refusedKinds.push(kind)
        if (r && typeof r.reason === "string" && r.reason.length > this.maxReason) this.maxReason = r.reason.length
    }
}

/** The reference config plus a second channel with its own, lower bounds (per-channel bounds matter). */
export function twoChannelConfig(): BoxConfig {
    const cfg = oneOutputConfig()
    const base: any = cfg.channels[0]
    const usb: any = { ...base }
    usb.name = "USB-C"
    usb.meterAddress = base.meterAddress === 0x45 ? 0x46 : 0x45
    usb.output = base.output === 5 ? 6 : 5
    usb.rated_mA = 3000
    usb.minLimit_mA = 50
    usb.defaultLimit_mA = 2000
    cfg.channels.push(usb)
    return cfg
}

/**
 * Runs `count` cases of `family` from the fuzz seed, alternating the reference and the two-channel config.
 * Throws on the first problem with everything needed to reproduce it.
 */
export async function runFamily(t: TestApi, family: string, seed: number, count: number): Promise<FuzzStats> {
    const cfgs = [oneOutputConfig(), twoChannelConfig()]
    const cfgText = [JSON.stringify(cfgs[0]), JSON.stringify(cfgs[1])]
    const maxLong = longCap(t)
    const master = new Prng(seed + FAMILIES.indexOf(family) * 1000003)
    const stats = new FuzzStats()
    for (let i = 0; i < count; i++) {
        const caseSeed = master.nextInt()
        const ci = i % 2
        const cfg = cfgs[ci]
        const raw = fuzzCase(family, caseSeed, cfg, maxLong)
        const problem = checkCase(raw, cfg, true)
        if (problem !== "")
            fail("commands fuzz seed " + seed + ", " + family + " case #" + i + " (case seed " + caseSeed + ", config " + (ci === 0 ? "reference" : "two-channel") + "): " + problem + "\n    input: " + render(raw))
        stats.note(raw, lastResult)
        if (i % PAUSE_EVERY === PAUSE_EVERY - 1) await t.pause()
    }
    for (let i = 0; i < 2; i++) assertEq(JSON.stringify(cfgs[i]), cfgText[i], "the config was changed by the validator")
    console.log("    commands fuzz: " + family + ": " + stats.cases + " cases, " + stats.accepted + " accepted, seed " + seed + ", longest reason " + stats.maxReason)
    return stats
}

function countFor(t: TestApi, node: number, vm: number): number {
    return t.runtime === "vm" ? vm : node
}

function assertAcceptsAndRefuses(stats: FuzzStats, kinds: string[], what: string): void {
    for (const k of kinds) {
        assertTrue(stats.acceptedKinds.indexOf(k) >= 0, what + ": no " + k + " was accepted; the generator does not reach the accept path")
        assertTrue(stats.refusedKinds.indexOf(k) >= 0, what + ": no " + k + " was refused")
    }
}

function basePack(lim: PackLimits): any {
    return { chemistry: chemistries()[0], series: lim.minSeries, parallel: 1, cellCapacity_mAh: 3000 }
}

/** A pack.config command: the base pack with one field set to `v`. */
function packWith(lim: PackLimits, field: string, v: any): any {
    const p = basePack(lim)
    p[field] = v
    return { kind: "pack.config", pack: p }
}

let exactCount = 0

/** One exact expectation: the input, whether it is accepted, and the applied field's value when it is. */
async function expectExact(t: TestApi, raw: any, cfg: BoxConfig, ok: boolean, field: string, value: any, what: string): Promise<void> {
    if (++exactCount % PAUSE_EVERY === 0) await t.pause()
    const problem = checkCase(raw, cfg, true)
    if (problem !== "") fail(what + ": " + problem + "\n    input: " + render(raw))
    const r = lastResult
    assertEq(r.ok, ok, what + " " + render(raw) + ": ok (reason " + render(r.reason) + ")")
    if (!ok) return
    const a: any = r.applied
    const got = field === "" ? undefined : field.indexOf("pack.") === 0 ? a.pack[field.slice(5)] : a[field]
    if (field !== "") assertEq(got, value, what + " " + render(raw) + ": applied " + field)
}

export const commandsFuzzSpec: Spec = (t: TestApi) => {
    t.describe("commands fuzz", () => {
        t.test("the generator: xorshift32's published value, the same 10000th output as Node, uniform draws", async () => {
            // Marsaglia (2003), "Xorshift RNGs": from y = 2463534242 (as int32) the first output is 723471715.
            const g = new Prng(-1831433054, 0)
            assertEq(g.step(), 723471715, "first output")
            let x = 0
            for (let i = 1; i < 10000; i++) {
                x = g.step()
                if (i % 500 === 499) await t.pause()
            }
            assertEq(x, 1232120722, "10000th output (Node's value)")
            const h = new Prng(FUZZ_SEED)
            let lo = 1
            let hi = 0
            const buckets = [0, 0, 0, 0, 0, 0, 0]
            let big = 0
            for (let i = 0; i < 700; i++) {
                const u = h.next()
                if (u < lo) lo = u
                if (u > hi) hi = u
                const k = h.int(7)
                if (isInt(k) && k >= 0 && k < 7) buckets[k]++
                const b = h.int(2000001)
                if (isInt(b) && b >= 0 && b <= 2000000) big++
                if (i % 200 === 199) await t.pause()
            }
            assertTrue(lo >= 0 && lo < 0.02 && hi < 1 && hi > 0.98, "next() spans [0, 1): " + lo + " .. " + hi)
            for (const c of buckets) assertTrue(c > 65 && c < 135, "int(7) about uniform: " + buckets.join(","))
            assertEq(big, 700, "int(2000001) in range")
        })

        t.test("every bound and one step beyond, with the exact decision and the applied value", async () => {
            for (const cfg of [oneOutputConfig(), twoChannelConfig()]) {
                const n = cfg.channels.length
                const lim = cfg.battery.limits
                const at = n + " channel(s)"
                // channel index
                for (let ch = 0; ch < n; ch++) await expectExact(t, { kind: "channel.enable", channel: ch, on: true }, cfg, true, "channel", ch, at)
                for (const ch of [-1, n, n + 1, 0.5, n - 0.5, -1e-9, n - 1 + 1e-9, 2147483648])
                    await expectExact(t, { kind: "channel.enable", channel: ch, on: false }, cfg, false, "", undefined, at)
                await expectExact(t, { kind: "channel.enable", channel: -0, on: true }, cfg, true, "channel", 0, at + ", -0")
                // limit around minLimit_mA and rated_mA of every channel
                for (let ch = 0; ch < n; ch++) {
                    const c = cfg.channels[ch]
                    const lo = c.minLimit_mA
                    const hi = c.rated_mA
                    const accepted = [lo - 0.5, lo - 0.49, lo, lo + 0.49, lo + 1, hi - 1, hi - 0.5, hi, hi + 0.49]
                    const rounded = [lo, lo, lo, lo, lo + 1, hi - 1, hi, hi, hi]
                    for (let i = 0; i < accepted.length; i++)
                        await expectExact(t, { kind: "channel.limit", channel: ch, limit_mA: accepted[i] }, cfg, true, "limit_mA", rounded[i], at + ", " + c.name)
                    for (const v of [lo - 1, lo - 0.51, hi + 0.5, hi + 0.51, hi + 1, 0, -0, -1, 1e300, -1e300])
                        await expectExact(t, { kind: "channel.limit", channel: ch, limit_mA: v }, cfg, false, "", undefined, at + ", " + c.name)
                }
                await t.pause()
                // pack: series, parallel, capacity, chemistry
                for (const s of [lim.minSeries, lim.maxSeries]) await expectExact(t, packWith(lim, "series", s), cfg, true, "pack.series", s, at)
                for (const s of [lim.minSeries - 1, lim.maxSeries + 1, lim.minSeries + 0.5, lim.maxSeries - 0.5, 0, -lim.minSeries])
                    await expectExact(t, packWith(lim, "series", s), cfg, false, "", undefined, at)
                for (const p of [1, lim.maxParallel]) await expectExact(t, packWith(lim, "parallel", p), cfg, true, "pack.parallel", p, at)
                for (const p of [0, lim.maxParallel + 1, 1.5, lim.maxParallel - 0.5, -1]) await expectExact(t, packWith(lim, "parallel", p), cfg, false, "", undefined, at)
                const caps = [CAP_MIN, CAP_MIN + 0.49, CAP_MIN + 0.5, CAP_MAX - 0.5, CAP_MAX - 0.4, CAP_MAX]
                const capsRounded = [CAP_MIN, CAP_MIN, CAP_MIN + 1, CAP_MAX, CAP_MAX, CAP_MAX]
                for (let i = 0; i < caps.length; i++) await expectExact(t, packWith(lim, "cellCapacity_mAh", caps[i]), cfg, true, "pack.cellCapacity_mAh", capsRounded[i], at)
                for (const c of [CAP_MIN - 1, CAP_MIN - 0.5, CAP_MIN - 0.01, CAP_MAX + 0.01, CAP_MAX + 0.5, CAP_MAX + 1, 0, -CAP_MIN])
                    await expectExact(t, packWith(lim, "cellCapacity_mAh", c), cfg, false, "", undefined, at)
                for (const id of chemistries()) {
                    await expectExact(t, packWith(lim, "chemistry", id), cfg, true, "pack.chemistry", id, at)
                    for (const v of [id.toLowerCase(), id + " ", " " + id, id.charAt(0) + " " + id.slice(1)])
                        if (v !== id) await expectExact(t, packWith(lim, "chemistry", v), cfg, false, "", undefined, at + ", chemistry")
                }
                for (const v of ["", "LiPo", "Li-ion", "NMC/NCA"]) await expectExact(t, packWith(lim, "chemistry", v), cfg, chemistries().indexOf(v) >= 0, "", undefined, at)
                await t.pause()
            }
        })

        t.test("random JSON values of every type", async () => {
            const s = await runFamily(t, "random", FUZZ_SEED, countFor(t, 2000, 120))
            assertTrue(s.accepted < s.cases / 2, "random: accepted " + s.accepted + " of " + s.cases)
        })

        t.test("valid commands mutated one field at a time", async () => {
            const s = await runFamily(t, "mutated", FUZZ_SEED, countFor(t, 3000, 250))
            assertAcceptsAndRefuses(s, KNOWN_KINDS, "mutated")
            assertTrue(s.accepted < s.cases / 2, "mutated: accepted " + s.accepted + " of " + s.cases)
        })

        t.test("valid commands at and just beyond every bound", async () => {
            const s = await runFamily(t, "bounds", FUZZ_SEED, countFor(t, 2000, 250))
            assertAcceptsAndRefuses(s, KNOWN_KINDS, "bounds")
            assertTrue(s.accepted > s.cases / 5 && s.accepted < (s.cases * 4) / 5, "bounds: accepted " + s.accepted + " of " + s.cases)
        })

        t.test("every kind in COMMAND_KINDS, including kinds this fuzzer does not know", async () => {
            const s = await runFamily(t, "kinds", FUZZ_SEED, countFor(t, 1000, 80))
            const unknown = COMMAND_KINDS.filter(k => KNOWN_KINDS.indexOf(k) < 0)
            if (unknown.length > 0) console.log("    commands fuzz: kinds checked for shape only: " + unknown.join(", "))
            // every known kind is still a kind
            for (const k of KNOWN_KINDS) assertTrue(COMMAND_KINDS.indexOf(k) >= 0, "COMMAND_KINDS lost " + k)
            assertTrue(s.refusedKinds.length === COMMAND_KINDS.length, "refused kinds: " + s.refusedKinds.join(", "))
        })

        t.test("JSON texts as a transport hands them over: overflow, escapes, duplicate and odd keys", async () => {
            const cfg = oneOutputConfig()
            let parsed = 0
            for (let i = 0; i < JSON_TEXTS.length; i++) {
                let raw: any
                try {
                    raw = JSON.parse(JSON_TEXTS[i])
                } catch (e) {
                    continue // a transport would drop it before the validator
                }
                parsed++
                const problem = checkCase(raw, cfg, true)
                if (problem !== "") fail("JSON text #" + i + " " + JSON_TEXTS[i] + ": " + problem)
            }
            assertTrue(parsed >= JSON_TEXTS.length - 3, "parsed " + parsed + " of " + JSON_TEXTS.length)
            // the ones with a settled answer
            const limit = (text: string) => validateCommand(JSON.parse(text), cfg)
            assertEq(limit(JSON_TEXTS[0]).ok, false, "1e400 (Infinity) refused")
            assertEq(limit(JSON_TEXTS[2]).ok, true, "1E3 accepted")
            assertEq(limit(JSON_TEXTS[10]).ok, true, "an escaped kind name is the kind")
            assertEq(limit(JSON_TEXTS[13]).ok, false, "a __proto__ field is an unknown field")
            assertEq(limit(JSON_TEXTS[21]).ok, false, "a __proto__ field in the pack is an unknown field")
        })
    })
}
