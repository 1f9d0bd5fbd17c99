// Shared spec (VM + Node): command validation (src/core/commands.ts) and configuration checks
// (src/core/box_config.ts). Every way into the box ends in validateCommand, so it must never throw and never
// accept a value outside the channel's bounds, whatever it is fed.
import { oneOutputConfig } from "../../sim/board/test_boards"
import { BoxConfig, ChannelConfig, referenceConfig } from "../../src/core/box_config"
import { checkConfig } from "../../src/core/box_config_check"
import { COMMAND_KINDS, CommandResult, validateCommand } from "../../src/core/commands"
import { Spec, TestApi, assertEq, assertTrue, fail, assertContains } from "../harness/api"

/** The reference config plus a USB-C style channel 1 with its own, lower rating. */
function twoChannelConfig(): BoxConfig {
    const cfg = oneOutputConfig()
    // A copy of channel 0 with its own values, so fields added to ChannelConfig later are carried along.
    const base: any = cfg.channels[0]
    const usb: any = { ...base }
    usb.name = "USB-C"
    usb.meterAddress = 0x45
    usb.shunt_mOhm = 10
    usb.rated_mA = 3000
    usb.minLimit_mA = 50
    usb.defaultLimit_mA = 2000
    // a hardware output index, where the config has one: not channel 0's
    if (base.output !== undefined) usb.output = base.output === 5 ? 6 : 5
    cfg.channels.push(usb)
    return cfg
}

function show(v: any): string {
    if (v === undefined) return "undefined"
    const s = JSON.stringify(v)
    return s === undefined ? "" + v : s
}

/** Asserts a rejection whose reason contains every string in `parts`. */
function assertRejected(raw: any, cfg: BoxConfig, parts: string[], what: string): void {
    const r = validateCommand(raw, cfg)
    assertEq(r.ok, false, what + ": ok")
    assertEq(r.applied, undefined, what + ": applied")
    assertTrue(r.reason.length > 0, what + ": a reason is given")
    for (const p of parts) assertContains(r.reason, p, what + ": reason")
}

function assertAcceptedLimit(raw: any, cfg: BoxConfig, channel: number, mA: number, what: string): void {
    const r = validateCommand(raw, cfg)
    assertEq(r.ok, true, what + ": ok (reason '" + r.reason + "')")
    assertEq(r.reason, "", what + ": reason")
    assertEq(r.applied.kind, "channel.limit", what + ": applied.kind")
    assertEq(r.applied.channel, channel, what + ": applied.channel")
    assertEq(r.applied.limit_mA, mA, what + ": applied.limit_mA")
    assertEq(r.applied.on, undefined, what + ": applied.on")
}

function limitCmd(channel: any, limit: any): any {
    return { kind: "channel.limit", channel, limit_mA: limit }
}

function enableCmd(channel: any, on: any): any {
    return { kind: "channel.enable", channel, on }
}

// ---- deterministic fuzzing ----------------------------------------------------------------------------------

const TWO_32 = 4294967296

/** x mod 2^32 for 0 <= x < 2^53. Not `%`: the DeviceScript VM computes `%` on int32 (x % 2^32 is 0 there). */
function mod32(x: number): number {
    return x - Math.floor(x / TWO_32) * TWO_32
}

/** Numerical Recipes LCG, mod 2^32. Products stay below 2^53, so doubles keep it exact in Node and the VM. */
class Lcg {
    private s: number
    constructor(seed: number) {
        this.s = mod32(seed)
    }
    next(): number {
        this.s = mod32(this.s * 1664525 + 1013904223)
        return this.s / TWO_32
    }
    int(n: number): number {
        return Math.floor(this.next() * n)
    }
    chance(p: number): boolean {
        return this.next() < p
    }
}

const ODD_NUMBERS = [-0, -1, 0.5, 1e21, -1e21, 1e308, -1e308, 9007199254740992, 4294967296, 99.5, 99.49, 100, 5000, 5000.49, 5000.5, 3000.5, 49.5, NaN, Infinity, -Infinity]
const ODD_STRINGS = ["", "0", "1", "true", "1000", "channel.enable", "channel.limit", "Channel.Enable", "channel.enable ", "reset", "kind"]
const EXTRA_FIELDS = ["extra", "Channel", "limit", "onn", "kind ", "value", "limit_ma"]

function randomValue(g: Lcg, depth: number): any {
    const k = g.int(depth > 1 ? 9 : 11)
    if (k === 0) return g.int(5) - 1 // small integers around the channel range
    if (k === 1) return g.next() * 8000 - 1000 // fractional, around the limit range
    if (k === 2) return ODD_NUMBERS[g.int(ODD_NUMBERS.length)]
    if (k === 3) return ODD_STRINGS[g.int(ODD_STRINGS.length)]
    if (k === 4) return g.chance(0.5)
    if (k === 5) return null
    if (k === 6) return undefined
    if (k === 7) return g.int(2000001) - 1000000 // large integers
    if (k === 8) return (g.next() - 0.5) * 1e12
    if (k === 9) {
        const arr: any[] = []
        const n = g.int(3)
        for (let i = 0; i < n; i++) arr.push(randomValue(g, depth + 1))
        return arr
    }
    // nested object
    return { kind: randomValue(g, depth + 1), inner: { channel: randomValue(g, depth + 1) } }
}

function randomCommand(g: Lcg, nChannels: number): any {
    if (g.chance(0.07)) return randomValue(g, 0) // not even an object (or an array/nested object)
    const raw: any = {}
    const kindRoll = g.next()
    let kind: any
    if (kindRoll < 0.4) kind = "channel.enable"
    else if (kindRoll < 0.8) kind = "channel.limit"
    else if (kindRoll < 0.95) kind = randomValue(g, 0)
    else kind = undefined
    if (kind !== undefined || g.chance(0.5)) raw.kind = kind
    const isEnable = kind === "channel.enable"
    const isLimit = kind === "channel.limit"
    if (g.chance(0.93)) raw.channel = g.chance(0.75) ? g.int(nChannels + 1) : randomValue(g, 0)
    if (g.chance(isEnable ? 0.92 : 0.1)) raw.on = g.chance(0.8) ? g.chance(0.5) : randomValue(g, 0)
    if (g.chance(isLimit ? 0.92 : 0.1)) {
        const r = g.next()
        if (r < 0.45) raw.limit_mA = g.int(6000) + (g.chance(0.5) ? 0 : g.next())
        else if (r < 0.6) raw.limit_mA = 5000 + g.next() * 2 - 1 // around the reference rating
        else raw.limit_mA = randomValue(g, 0)
    }
    if (g.chance(0.08)) raw[EXTRA_FIELDS[g.int(EXTRA_FIELDS.length)]] = randomValue(g, 1)
    return raw
}

/** Independent statement of the rules, to compare the accept/reject decision with. */
function shouldAccept(raw: any, cfg: BoxConfig): boolean {
    if (raw === null || raw === undefined || typeof raw !== "object" || Array.isArray(raw)) return false
    let fields: string[]
    if (raw.kind === "channel.enable") fields = ["kind", "channel", "on"]
    else if (raw.kind === "channel.limit") fields = ["kind", "channel", "limit_mA"]
    else return false
    for (const k of Object.keys(raw)) if (fields.indexOf(k) < 0) return false
    for (const f of fields) if (raw[f] === undefined) return false
    const ch = raw.channel
    if (typeof ch !== "number" || !(ch >= 0) || !(ch < cfg.channels.length) || Math.floor(ch) !== ch) return false
    if (raw.kind === "channel.enable") return raw.on === true || raw.on === false
    const v = raw.limit_mA
    if (typeof v !== "number" || !(v > -1e300 && v < 1e300)) return false
    const mA = Math.floor(v + 0.5) // half up; only positive values can be in bounds
    const c = cfg.channels[ch]
    return mA >= c.minLimit_mA && mA <= c.rated_mA
}

/** "" if `r` is a well-formed result that stays inside the bounds and agrees with the rules, else the problem. */
function checkResult(raw: any, cfg: BoxConfig, r: CommandResult): string {
    if (!r || typeof r !== "object") return "result is not an object"
    if (r.ok !== true && r.ok !== false) return "ok is not a boolean"
    if (!r.ok) {
        if (typeof r.reason !== "string" || r.reason.length === 0) return "rejected without a reason"
        if (r.applied !== undefined) return "rejected but applied " + show(r.applied)
    } else {
        if (r.reason !== "") return "accepted with reason '" + r.reason + "'"
        const a = r.applied
        if (!a) return "accepted without an applied command"
        if (COMMAND_KINDS.indexOf(a.kind) < 0) return "applied kind " + show(a.kind)
        if (typeof a.channel !== "number" || Math.floor(a.channel) !== a.channel || a.channel < 0 || a.channel >= cfg.channels.length)
            return "applied channel " + show(a.channel)
        if (a.kind === "channel.enable") {
            if (a.on !== true && a.on !== false) return "applied on " + show(a.on)
            if (a.limit_mA !== undefined) return "enable carries a limit"
        } else {
            const c: ChannelConfig = cfg.channels[a.channel]
            const mA = a.limit_mA
            if (typeof mA !== "number" || Math.floor(mA) !== mA) return "applied limit not an integer: " + show(mA)
            if (!(mA >= c.minLimit_mA && mA <= c.rated_mA))
                return "accepted limit " + mA + " outside [" + c.minLimit_mA + ", " + c.rated_mA + "]"
            if (a.on !== undefined) return "limit carries an on flag"
        }
    }
    const want = shouldAccept(raw, cfg)
    if (r.ok !== want) return "ok=" + r.ok + " but the rules say " + want + " (reason '" + r.reason + "')"
    return ""
}

export const commandsSpec: Spec = (t: TestApi) => {
    t.describe("commands", () => {
        t.test("valid enable commands are applied as given", async () => {
            const cfg = oneOutputConfig()
            for (const on of [true, false]) {
                const r = validateCommand(enableCmd(0, on), cfg)
                assertEq(r.ok, true, "enable " + on + ": ok (reason '" + r.reason + "')")
                assertEq(r.reason, "", "enable " + on + ": reason")
                assertEq(r.applied.kind, "channel.enable", "applied.kind")
                assertEq(r.applied.channel, 0, "applied.channel")
                assertEq(r.applied.on, on, "applied.on")
                assertEq(r.applied.limit_mA, undefined, "applied.limit_mA")
            }
            // field order does not matter
            assertEq(validateCommand({ on: true, channel: 0, kind: "channel.enable" }, cfg).ok, true, "reordered fields")
        })

        t.test("valid limit commands; fractional limits are rounded", async () => {
            const cfg = oneOutputConfig() // DC barrel: min 100, rated 5000
            assertAcceptedLimit(limitCmd(0, 2500), cfg, 0, 2500, "2500")
            assertAcceptedLimit(limitCmd(0, 100), cfg, 0, 100, "the minimum itself")
            assertAcceptedLimit(limitCmd(0, 5000), cfg, 0, 5000, "the rating itself")
            assertAcceptedLimit(limitCmd(0, 1234.4), cfg, 0, 1234, "1234.4 rounds down")
            assertAcceptedLimit(limitCmd(0, 1234.6), cfg, 0, 1235, "1234.6 rounds up")
            assertAcceptedLimit(limitCmd(0, 1234.5), cfg, 0, 1235, "1234.5 rounds half up")
            assertAcceptedLimit(limitCmd(0, 99.5), cfg, 0, 100, "99.5 rounds into range")
            assertAcceptedLimit(limitCmd(0, 5000.49), cfg, 0, 5000, "5000.49 rounds into range")
        })

        t.test("two-channel config: each channel has its own bounds", async () => {
            const cfg = twoChannelConfig()
            assertAcceptedLimit(limitCmd(1, 3000), cfg, 1, 3000, "USB-C at its rating")
            assertAcceptedLimit(limitCmd(1, 50), cfg, 1, 50, "USB-C at its minimum")
            assertAcceptedLimit(limitCmd(0, 4000), cfg, 0, 4000, "barrel above the USB-C rating")
            assertRejected(limitCmd(1, 4000), cfg, ["4000", "USB-C", "3000"], "USB-C above its rating")
            assertRejected(limitCmd(0, 50), cfg, ["50", "100"], "barrel below its minimum")
            assertEq(validateCommand(enableCmd(1, true), cfg).ok, true, "enable channel 1")
            assertRejected(enableCmd(2, true), cfg, ["channel", "0..1", "2"], "channel 2 of 2")
        })

        t.test("rejects anything that is not a JSON object", async () => {
            const cfg = oneOutputConfig()
            const notObjects: any[] = [null, undefined, 42, 0, "channel.enable", "", true, false, NaN]
            for (const v of notObjects) assertRejected(v, cfg, ["object"], "raw " + show(v))
            assertRejected([], cfg, ["object"], "empty array")
            assertRejected([enableCmd(0, true)], cfg, ["object"], "array holding a valid command")
            assertRejected(["channel.enable", 0, true], cfg, ["object"], "array of values")
        })

        t.test("rejects unknown, missing and non-string kinds", async () => {
            const cfg = oneOutputConfig()
            assertRejected({ kind: "channel.explode", channel: 0, on: true }, cfg, ["kind", "channel.explode"], "unknown kind")
            assertRejected({ kind: "Channel.Enable", channel: 0, on: true }, cfg, ["kind", "Channel.Enable"], "wrong case")
            assertRejected({ channel: 0, on: true }, cfg, ["kind"], "missing kind")
            assertRejected({ kind: 7, channel: 0, on: true }, cfg, ["kind", "7"], "numeric kind")
            assertRejected({ kind: null, channel: 0, on: true }, cfg, ["kind", "null"], "null kind")
            assertRejected({ kind: ["channel.enable"], channel: 0, on: true }, cfg, ["kind"], "array kind")
            assertRejected({ kind: { kind: "channel.enable" }, channel: 0, on: true }, cfg, ["kind"], "object kind")
            // the reason lists what is allowed
            assertRejected({ kind: "x" }, cfg, ["channel.enable", "channel.limit"], "reason lists the kinds")
        })

        t.test("rejects unknown and missing fields, naming them", async () => {
            const cfg = oneOutputConfig()
            assertRejected({ kind: "channel.enable", channel: 0, on: true, extra: 1 }, cfg, ["unknown field", "'extra'"], "extra field")
            assertRejected({ kind: "channel.enable", channel: 0, on: true, limit_mA: 1000 }, cfg, ["unknown field", "'limit_mA'"], "limit on enable")
            assertRejected({ kind: "channel.limit", channel: 0, limit_mA: 1000, on: true }, cfg, ["unknown field", "'on'"], "on on limit")
            assertRejected({ kind: "channel.enable", channel: 0 }, cfg, ["missing field", "'on'"], "enable without on")
            assertRejected({ kind: "channel.enable", on: true }, cfg, ["missing field", "'channel'"], "enable without channel")
            assertRejected({ kind: "channel.limit", channel: 0 }, cfg, ["missing field", "'limit_mA'"], "limit without limit_mA")
            assertRejected({ kind: "channel.limit", limit_mA: 1000 }, cfg, ["missing field", "'channel'"], "limit without channel")
            assertRejected({ kind: "channel.enable", channel: 0, on: undefined }, cfg, ["'on'"], "on: undefined")
            assertRejected({ kind: "channel.limit", channel: 0, limit_mA: 1000, Limit_mA: 5 }, cfg, ["'Limit_mA'"], "field names are case-sensitive")
        })

        t.test("rejects a bad channel: out of range, non-integer, wrong type", async () => {
            const cfg = oneOutputConfig()
            const bad: any[] = [1, -1, 0.5, 1e9, -0.5, "0", "", true, null, NaN, Infinity, [0], { n: 0 }]
            for (const ch of bad) {
                assertRejected(enableCmd(ch, true), cfg, ["channel", "0..0"], "enable, channel " + show(ch))
                assertRejected(limitCmd(ch, 1000), cfg, ["channel", "0..0"], "limit, channel " + show(ch))
            }
            assertRejected(enableCmd(1, true), cfg, ["got 1"], "the reason shows the value")
            assertRejected(enableCmd("0", true), cfg, ["got \"0\""], "a string shows as a string")
        })

        t.test("rejects an 'on' that is not a boolean", async () => {
            const cfg = oneOutputConfig()
            const bad: any[] = ["true", "false", 1, 0, null, NaN, [true], { on: true }]
            for (const on of bad) assertRejected(enableCmd(0, on), cfg, ["'on'", "true or false"], "on " + show(on))
            assertRejected(enableCmd(0, "yes"), cfg, ["\"yes\""], "the reason shows the value")
        })

        t.test("rejects a limit that is not a finite number", async () => {
            const cfg = oneOutputConfig()
            const bad: any[] = [NaN, Infinity, -Infinity, "1000", "", null, true, [1000], { mA: 1000 }]
            for (const v of bad) assertRejected(limitCmd(0, v), cfg, ["limit_mA", "number"], "limit " + show(v))
            assertRejected(limitCmd(0, "1000"), cfg, ["\"1000\""], "the reason shows the value")
        })

        t.test("rejects a limit above the hardware rating or below the minimum", async () => {
            const cfg = oneOutputConfig()
            assertRejected(limitCmd(0, 6000), cfg, ["limit", "6000", "5000", "DC barrel"], "6000 mA")
            assertRejected(limitCmd(0, 5000.5), cfg, ["limit", "5001", "5000"], "5000.5 rounds to 5001")
            assertRejected(limitCmd(0, 1e300), cfg, ["limit", "rating"], "1e300")
            assertRejected(limitCmd(0, 50), cfg, ["limit", "50", "100"], "50 mA")
            assertRejected(limitCmd(0, 99.49), cfg, ["limit", "99", "100"], "99.49 rounds to 99")
            assertRejected(limitCmd(0, 0), cfg, ["limit", "below"], "0 mA")
            assertRejected(limitCmd(0, -2000), cfg, ["limit", "below"], "negative")
            assertRejected(limitCmd(0, -1e300), cfg, ["limit", "below"], "-1e300")
        })

        t.test("charge.ceiling and charge.full_by: bounds, rounding, fields", async () => {
            const cfg = oneOutputConfig()
            const r = validateCommand({ kind: "charge.ceiling", ceiling_pm: 849.6 }, cfg)
            assertEq(show(r.applied), '{"kind":"charge.ceiling","ceiling_pm":850}', "rounded")
            assertEq(validateCommand({ kind: "charge.full_by", in_h: 0 }, cfg).applied.in_h, 0, "0 cancels")
            assertRejected({ kind: "charge.ceiling", ceiling_pm: 499 }, cfg, ["ceiling_pm", "500", "1000", "499"], "below half")
            assertRejected({ kind: "charge.ceiling", ceiling_pm: "900" }, cfg, ["ceiling_pm", "\"900\""], "a string")
            assertRejected({ kind: "charge.ceiling", ceiling_pm: NaN }, cfg, ["ceiling_pm"], "NaN")
            assertRejected({ kind: "charge.full_by", in_h: 169 }, cfg, ["in_h", "168"], "past a week")
            assertRejected({ kind: "charge.full_by", in_h: -1 }, cfg, ["in_h", "-1"], "negative")
            assertRejected({ kind: "charge.full_by" }, cfg, ["missing field 'in_h'"], "missing")
            assertRejected({ kind: "charge.ceiling", ceiling_pm: 900, channel: 0 }, cfg, ["unknown field 'channel'"], "extra field")
        })

        t.test("fuzz: 1500 random and malformed commands never throw or escape the bounds", async () => {
            const g = new Lcg(20261122)
            const cfgs = [oneOutputConfig(), twoChannelConfig()]
            let accepted = 0
            let acceptedLimits = 0
            let threw = 0
            for (let i = 0; i < 1500; i++) {
                const cfg = cfgs[i % 2]
                const raw = randomCommand(g, cfg.channels.length)
                let r: CommandResult = undefined
                try {
                    r = validateCommand(raw, cfg)
                } catch (e: any) {
                    threw++
                    fail("fuzz #" + i + " " + show(raw) + ": validateCommand threw " + (e ? e.message : e))
                }
                const problem = checkResult(raw, cfg, r)
                if (problem) fail("fuzz #" + i + " " + show(raw) + ": " + problem)
                if (r.ok) {
                    accepted++
                    if (r.applied.kind === "channel.limit") acceptedLimits++
                }
                if (i % 25 === 24) await t.pause()
            }
            assertEq(threw, 0, "throws")
            // the generator must exercise both paths, or the bounds checks above prove nothing
            assertTrue(accepted >= 150 && accepted <= 1200, "accepted " + accepted + " of 1500")
            assertTrue(acceptedLimits >= 60, "accepted limit commands: " + acceptedLimits)
        })

        t.test("checkConfig: the reference and two-channel configs are clean", async () => {
            assertEq(JSON.stringify(checkConfig(referenceConfig())), "[]", "reference config problems")
            assertEq(JSON.stringify(checkConfig(twoChannelConfig())), "[]", "two-channel config problems")
        })

        t.test("checkConfig: duplicate meter addresses are reported", async () => {
            const cfg = twoChannelConfig()
            cfg.channels[1].meterAddress = cfg.channels[0].meterAddress
            const errs = checkConfig(cfg)
            assertEq(errs.length, 1, "problems: " + JSON.stringify(errs))
            assertContains(errs[0], "channel 1", "names the channel")
            assertContains(errs[0], "twice", "says what is wrong")
        })

        t.test("checkConfig: a meter address outside 0x40..0x47 is reported", async () => {
            for (const a of [0x48, 0x3f, 0x4f, 0x70]) {
                const cfg = oneOutputConfig()
                cfg.channels[0].meterAddress = a
                const errs = checkConfig(cfg)
                assertEq(errs.length, 1, "address " + a + ": problems: " + JSON.stringify(errs))
                assertContains(errs[0], "channel 0", "address " + a)
                assertContains(errs[0], "0x40..0x47", "address " + a)
            }
            for (const a of [0x40, 0x47]) {
                const cfg = oneOutputConfig()
                cfg.channels[0].meterAddress = a
                assertEq(checkConfig(cfg).length, 0, "address " + a + " is fine")
            }
        })

        t.test("checkConfig: limits out of order are reported", async () => {
            const cfg = twoChannelConfig()
            cfg.channels[1].minLimit_mA = 2500 // above its default of 2000
            let errs = checkConfig(cfg)
            assertEq(errs.length, 1, "min > default: problems: " + JSON.stringify(errs))
            assertContains(errs[0], "channel 1", "min > default")
            assertContains(errs[0], "min <= default", "min > default")
            const cfg2 = oneOutputConfig()
            cfg2.channels[0].defaultLimit_mA = 6000 // above the 5000 rating
            errs = checkConfig(cfg2)
            assertEq(errs.length, 1, "default > rated: problems: " + JSON.stringify(errs))
            assertContains(errs[0], "default <= rated", "default > rated")
            // two problems at once are both reported
            const cfg3 = twoChannelConfig()
            cfg3.channels[0].meterAddress = 0x50
            cfg3.channels[1].minLimit_mA = 0
            assertEq(checkConfig(cfg3).length, 2, "two problems")
        })
    })
}
