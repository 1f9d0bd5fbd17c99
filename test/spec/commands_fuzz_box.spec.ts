// The command fuzz through the whole box (Node only, like the rest of the box group): random, mutated and
// boundary commands (the generators of commands_fuzz.spec.ts) mixed with valid ones go through Rig.submit
// into the production supervisor on the emulated board, with a light 12 ohm load on the output. Whatever
// arrives, the supervisor must not throw, every answer must be well formed, the channel's limit must stay
// within its bounds, every state must be a known one, the output must not stay on above its limit longer
// than the trip allows, and the settings store must hold only values the box accepts again on a restart.
import { OVERLOAD_ms, SOFT_START_ms } from "../../src/core/channel"
/** States with the enable line high. */
const LIVE = ["starting", "on", "limiting"]
import { Rig } from "../../sim/board/rig"
import { BoxConfig } from "../../src/core/box_config"
import { CommandResult } from "../../src/core/commands"
import { CHANNEL_STATES, Snapshot } from "../../src/core/snapshot"
import { limitKey } from "../../src/core/supervisor"
import { KEY_PACK } from "../../src/core/battery/monitor"
import { BATTERY_KEYS, decodeLearned } from "../../src/core/battery/battery_store"
import { checkPackConfig, packCapacity_mAh } from "../../src/core/battery/pack_config"
import { Spec, TestApi, assertEq, assertTrue, fail } from "../harness/api"
import { FAMILIES, FUZZ_SEED, Prng, fuzzCase, render, resultProblem, validCommand } from "./commands_fuzz.spec"
import { unwrapSetting } from "../../src/core/persist"

const BATTERY_STATUSES = ["unknown", "known", "fault"]
const COMMANDS = 2000
const EVERY = 20
const STEP_MS = 100

function isIntIn(v: any, lo: number, hi: number): boolean {
    return typeof v === "number" && Math.floor(v) === v && v >= lo && v <= hi
}

/** "" when the pack the battery side runs with is one the board accepts, with a whole-mAh capacity. */
function packProblem(p: any, cfg: BoxConfig): string {
    const problems = checkPackConfig(p, cfg.battery.limits)
    if (problems.length > 0) return problems.join("; ")
    if (!isIntIn(p.cellCapacity_mAh, 100, 1000000)) return "cellCapacity_mAh " + render(p.cellCapacity_mAh)
    return ""
}

/** "" when every figure of the snapshot that a command can move is within bounds and every state is known. */
function snapshotProblem(s: Snapshot, cfg: BoxConfig): string {
    if (s.channels.length !== cfg.channels.length) return "channels: " + s.channels.length
    for (let i = 0; i < cfg.channels.length; i++) {
        const c = s.channels[i]
        const k = cfg.channels[i]
        if (CHANNEL_STATES.indexOf(c.state) < 0) return "channel " + i + " state " + render(c.state)
        if (!isIntIn(c.limit_mA, k.minLimit_mA, k.rated_mA)) return "channel " + i + " limit_mA " + render(c.limit_mA) + " outside [" + k.minLimit_mA + ", " + k.rated_mA + "]"
    }
    const b = s.battery
    if (BATTERY_STATUSES.indexOf(b.status) < 0) return "battery status " + render(b.status)
    // capacity_mAh is the measured one (it moves), so the label capacity is judged on the monitor's pack
    const pack = { chemistry: b.chemistry, series: b.series, parallel: b.parallel, cellCapacity_mAh: 1000 }
    const p = packProblem(pack, cfg)
    if (p !== "") return "battery snapshot pack " + render(pack) + ": " + p
    return ""
}

/** A command for the box: a third valid (so the box really switches, limits and re-packs), the rest fuzz. */
function boxCommand(caseSeed: number, cfg: BoxConfig): any {
    const g = new Prng(caseSeed)
    const r = g.next()
    if (r < 0.15) return { kind: "channel.enable", channel: g.int(cfg.channels.length), on: g.chance(0.6) }
    if (r < 0.33) return validCommand(g, cfg)
    return fuzzCase(FAMILIES[g.int(FAMILIES.length)], g.nextInt(), cfg, 4096)
}

export const commandsFuzzBoxSpec: Spec = (t: TestApi) => {
    const pause = async () => {
        await t.pause()
    }

    t.describe("commands fuzz, whole box", () => {
        t.test("2000 random, mutated and valid commands through Rig.submit: bounds, states, trips and settings hold", async () => {
            const rig = new Rig()
            rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
            await rig.start()
            const cfg = rig.cfg
            const master = new Prng(FUZZ_SEED + 7)
            let at = "after start"
            // Over-current: the plant's output current above the limit in force while the switch is closed,
            // in consecutive ticks. The meter's ALERT latch opens it at once; the firmware's backup check
            // after OVERLOAD_ms above the limit (inrush allowance) once the soft start is over; one more tick for
            // a limit lowered under a running load.
            const allowedOverTicks = Math.ceil((SOFT_START_ms + OVERLOAD_ms) / cfg.tick_ms) + 2
            let overTicks = 0
            let maxOverTicks = 0
            const seenStates: string[] = []
            // Ticks the firmware reports "on" while the board's trip latch holds the switch open (shown, not
            // judged: a repeated "on" in the tick after a latch trip re-arms the meter and loses the trip).
            let latchedOnTicks = 0
            const onTick = (s: Snapshot) => {
                let p = snapshotProblem(s, cfg)
                if (p === "") p = packProblem(rig.sup.battery.pack, cfg)
                for (let i = 0; i < cfg.channels.length; i++)
                    if (p === "" && LIVE.indexOf(s.channels[i].state) < 0 && rig.world.board.enableLevel(i)) p = "channel " + i + " enable line high in state " + s.channels[i].state
                if (p !== "") fail("commands fuzz (box) seed " + FUZZ_SEED + ", " + at + ", t=" + s.t_ms + " ms: " + p)
                const c = s.channels[0]
                const amps_mA = rig.world.plant.outputs[0].current_A * 1000
                if (rig.world.board.switchClosed(0) && amps_mA > c.limit_mA) overTicks++
                else overTicks = 0
                if (overTicks > maxOverTicks) maxOverTicks = overTicks
                if (overTicks > allowedOverTicks)
                    fail("commands fuzz (box) seed " + FUZZ_SEED + ", " + at + ", t=" + s.t_ms + " ms: output on at " + Math.round(amps_mA) + " mA above its " + c.limit_mA + " mA limit for " + overTicks + " ticks")
                if (seenStates.indexOf(c.state) < 0) seenStates.push(c.state)
                if (c.state === "on" && rig.world.board.enableLevel(0) && !rig.world.board.switchClosed(0)) latchedOnTicks++
            }
            let accepted = 0
            let packsApplied = 0
            for (let i = 0; i < COMMANDS; i++) {
                const caseSeed = master.nextInt()
                const raw = boxCommand(caseSeed, cfg)
                at = "command #" + i + " (case seed " + caseSeed + ") " + render(raw)
                let r: CommandResult = undefined
                try {
                    r = rig.submit(raw)
                } catch (e: any) {
                    fail("commands fuzz (box) seed " + FUZZ_SEED + ", " + at + ": submit threw " + (e && e.message !== undefined ? e.message : render(e)))
                }
                const p = resultProblem(raw, cfg, r, false)
                if (p !== "") fail("commands fuzz (box) seed " + FUZZ_SEED + ", " + at + ": " + p + "; result " + render(r))
                if (r.ok) {
                    accepted++
                    if (r.applied.kind === "pack.config") packsApplied++
                }
                if (i % EVERY === EVERY - 1) {
                    try {
                        await rig.advance(STEP_MS, pause, onTick)
                    } catch (e: any) {
                        if (e && e.message !== undefined && e.message.indexOf("commands fuzz") === 0) throw e
                        fail("commands fuzz (box) seed " + FUZZ_SEED + ", " + at + ": the box threw while ticking: " + (e && e.message !== undefined ? e.message : render(e)))
                    }
                }
            }
            await rig.advance(2000, pause, onTick)
            // Trips as the firmware reported them (a re-enable in the next batch often re-arms the output
            // before a snapshot shows "tripped") and as the board's ALERT latch counted them.
            const trips = rig.eventsOf("state", 0).filter(e => e.state === "tripped").length
            const latchTrips = rig.world.board.trips[0]
            const p = packProblem(rig.sup.battery.pack, cfg)
            assertEq(p, "", "the pack the battery side runs with")

            // The settings store: every value the fuzz can reach is in bounds ...
            const store = rig.store
            const keys = Object.keys(store.text)
            const others: string[] = []
            for (const k of keys) {
                let v: any
                try {
                    v = JSON.parse(store.text[k])
                    // The firmware stores complete records as [value, 1] (persist.ts): judge the value.
                    const u = unwrapSetting(v)
                    if (u !== undefined) v = u
                } catch (e) {
                    fail("setting " + k + " is not JSON: " + render(store.text[k]))
                }
                // a shadow copy (key + "~", written first against torn writes) holds the same kind of value
                const base = k.endsWith("~") ? k.slice(0, k.length - 1) : k
                let ch = -1
                for (let i = 0; i < cfg.channels.length; i++) if (base === limitKey(i)) ch = i
                if (ch >= 0) {
                    const c = cfg.channels[ch]
                    assertTrue(isIntIn(v, c.minLimit_mA, c.rated_mA), "saved " + k + " " + render(v) + " outside [" + c.minLimit_mA + ", " + c.rated_mA + "]")
                } else if (base === KEY_PACK) assertEq(packProblem(v, cfg), "", "saved " + k + " " + render(v))
                else if (BATTERY_KEYS.indexOf(base) < 0) others.push(k)
            }
            // ... the learned records fit the saved pack ...
            const rec = (k: string) => (store.text[k] === undefined ? undefined : unwrapSetting(JSON.parse(store.text[k])))
            const saved = store.text[KEY_PACK] !== undefined ? rec(KEY_PACK) : cfg.battery.defaultPack
            const d = decodeLearned(rec, saved.series, packCapacity_mAh(saved) / 1000)
            assertEq(d.problems.join("; "), "", "learned records against the saved pack " + render(saved))
            // ... and a restart from that store takes every value back without a complaint.
            const again = new Rig({ store, world: rig.world })
            await again.start()
            await again.advance(1000, pause)
            const complaints = again.eventsOf("setting").map(e => e.message)
            assertEq(complaints.join(" | "), "", "setting events after a restart from the fuzzed store")
            assertEq(snapshotProblem(again.last, cfg), "", "snapshot after the restart")
            if (saved.series !== undefined) assertEq(again.sup.battery.pack.series, saved.series, "the saved pack is the one restored")
            if (store.text[limitKey(0)] !== undefined) assertEq(again.last.channels[0].limit_mA, rec(limitKey(0)), "the saved limit is the one restored")

            console.log(
                "    commands fuzz (box): " + COMMANDS + " commands, " + accepted + " accepted (" + packsApplied + " pack changes), " + trips + " trips (" + latchTrips + " by the ALERT latch), longest over-limit run " +
                    maxOverTicks + " ticks, states " + seenStates.join("/") + ", ticks on with the latch open " + latchedOnTicks + (others.length > 0 ? ", other settings " + others.join(",") : "")
            )
            // The run must have exercised the box, or the checks above prove little.
            assertTrue(accepted > COMMANDS / 10, "accepted " + accepted + " of " + COMMANDS)
            assertTrue(seenStates.some(x => LIVE.indexOf(x) >= 0), "the output was never switched on: " + seenStates.join(","))
            assertTrue(trips + latchTrips > 0, "no trip: a 12 ohm load against limits down to the minimum should trip")
            assertTrue(packsApplied > 0, "no pack change was accepted")
        })
    })
}
