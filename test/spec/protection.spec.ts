// The protection core's units: one fault's debounce, hysteresis, back-off and latching; the catalogue's
// thresholds per chemistry; the persistent fault log; the protector's decisions from readings.
// Shared: runs in the VM and in Node.
import { FAULT_NONE, FAULT_RELEASED, FAULT_TRIPPED, FF, FLAG_ABOVE, FLAG_LATCHING, clearFaultLatch, evaluateFault, faultAction, faultFlags, faultRecord } from "../../src/core/protection/fault"
import { FaultLog, faultLogAdd, faultLogRestore, KEY_BOOTS, KEY_LOG_HEAD, LOG_SLOTS, logSlotKey } from "../../src/core/protection/fault_log"
import { AFE_SCD, AFE_TEMP_CHG, ChannelReading, ProtectionInputs, Protector, chargeAllowed, dischargeAllowed, faultActive, protectorActions, protectorClear, protectorEvaluate, protectorHolding } from "../../src/core/protection/protector"
import { ACTION_CHARGE, ACTION_DISCHARGE, FaultTable, cellVoltageLimits, defaultPackProtection, faultId, faultIndex, packRules } from "../../src/core/protection/rules"
import { chemistryById } from "../../src/core/battery/chemistry"
import { SettingsWriter, ShadowedStore } from "../../src/core/persist"
import { MemoryStore } from "../../sim/board/memory_store"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

/** A pack fault record that stops charging. */
function ruleOf(o: { above: boolean; trip: number; release: number; debounce_ms: number; latching: boolean; retry_ms: number }): number[] {
    return faultRecord(faultFlags(o.above, o.latching, ACTION_CHARGE, 0), o.trip, o.release, o.debounce_ms, o.retry_ms, -1)
}

/** Feed `v` every 100 ms from t0 to t1 (exclusive); returns the first change and when it happened. */
function run(f: number[], v: number, t0: number, t1: number): { change: number; at: number } {
    for (let t = t0; t < t1; t += 100) {
        const c = evaluateFault(f, v, t)
        if (c !== FAULT_NONE) return { change: c, at: t }
    }
    return { change: FAULT_NONE, at: -1 }
}

function channel(on: boolean, voltage_mV: number, current_mA: number, dieTemp_C: number): ChannelReading {
    return { on, fresh: true, voltage_mV, current_mA, power_mW: (voltage_mV * current_mA) / 1000, direct: true, dieTemp_C }
}

function inputs(now_ms: number, cells: number[], pack_mA: number, temp_C: number, ch: ChannelReading): ProtectionInputs {
    return { now_ms, cell_mV: cells, afeAge_ms: 500, afePeriod_ms: 1000, pack_mA, cellTemp_C: temp_C, boardTemp_C: 30, channels: [ch], quiescent_mA: 15, afeTrips: 0 }
}

export const protectionSpec: Spec = (t: TestApi) => {
    /** Evaluate every 100 ms from t0 to t1 inclusive, yielding now and then (VM slices). */
    async function feed(p: Protector, t0: number, t1: number, at: (now_ms: number) => ProtectionInputs): Promise<void> {
        for (let now = t0; now <= t1; now += 100) {
            protectorEvaluate(p, at(now))
            if (now % 1000 === 0) await t.pause()
        }
    }

    t.describe("protection core", () => {
        t.test("fault: trips only after the debounce, and a blip restarts the count", async () => {
            const f = (ruleOf({ above: true, trip: 4250, release: 4100, debounce_ms: 1000, latching: false, retry_ms: 0 }))
            assertEq(run(f, 4260, 0, 900).change, FAULT_NONE, "0.9 s above")
            assertEq(evaluateFault(f, 4200, 900), FAULT_NONE, "a blip below")
            const r = run(f, 4260, 1000, 5000)
            assertEq(r.change, FAULT_TRIPPED, "trips")
            assertEq(r.at, 2000, "1 s after the blip")
            assertEq(f[FF.TRIP_VALUE], 4260, "value at the trip")
        })

        t.test("fault: releases only past the hysteresis, after the hold", async () => {
            const f = (ruleOf({ above: true, trip: 4250, release: 4100, debounce_ms: 0, latching: false, retry_ms: 0 }))
            assertEq(evaluateFault(f, 4300, 0), FAULT_TRIPPED, "trips at once")
            assertEq(run(f, 4150, 100, 10000).change, FAULT_NONE, "between release and trip: stays")
            const r = run(f, 4050, 10000, 20000)
            assertEq(r.change, FAULT_RELEASED, "releases")
            assertEq(r.at, 12000, "after the 2 s hold")
        })

        t.test("fault: the retry back-off doubles with each trip", async () => {
            const f = (ruleOf({ above: true, trip: 100, release: 50, debounce_ms: 0, latching: false, retry_ms: 10000 }))
            let t = 0
            const waits: number[] = []
            for (let k = 0; k < 3; k++) {
                assertEq(evaluateFault(f, 200, t), FAULT_TRIPPED, "trip " + k)
                const r = run(f, 0, t + 100, t + 200000)
                assertEq(r.change, FAULT_RELEASED, "release " + k)
                waits.push(r.at - t)
                t = r.at + 100
            }
            assertEq(waits.join(","), "10000,20000,40000", "back-off")
        })

        t.test("fault: a latched fault stays until a person clears it, and only once the cause is gone", async () => {
            const f = (ruleOf({ above: false, trip: 2500, release: 2800, debounce_ms: 0, latching: true, retry_ms: 0 }))
            assertEq(evaluateFault(f, 2400, 0), FAULT_TRIPPED, "trips")
            assertEq(f[FF.LATCHED], 1, "latched")
            assertTrue(clearFaultLatch(f, 100) !== "", "refused while still low")
            assertEq(run(f, 3000, 100, 60000).change, FAULT_NONE, "never releases by itself")
            assertEq(clearFaultLatch(f, 60000), "", "cleared by a person once the cause is gone")
            assertEq(f[FF.ACTIVE], 0, "inactive")
            const g = (ruleOf({ above: false, trip: 2500, release: 2800, debounce_ms: 0, latching: true, retry_ms: 0 }))
            evaluateFault(g, 2400, 0)
            assertEq(run(g, NaN, 100, 60000).change, FAULT_NONE, "an unmeasured value does not clear a latch")
            assertTrue(clearFaultLatch(g, 60000) !== "", "nor can a person clear it blind")
        })

        t.test("rules: cell thresholds per chemistry, latching where a person must look", async () => {
            const nmc = cellVoltageLimits(chemistryById("NMC"))
            const lfp = cellVoltageLimits(chemistryById("LFP"))
            assertEq(nmc.overVoltage_mV + "/" + nmc.safetyOverVoltage_mV + "/" + nmc.underVoltage_mV + "/" + nmc.deepDischarge_mV, "4250/4300/2800/2500", "NMC")
            assertEq(lfp.overVoltage_mV + "/" + lfp.safetyOverVoltage_mV + "/" + lfp.underVoltage_mV + "/" + lfp.deepDischarge_mV, "3750/3850/2500/2000", "LFP")
            const rules: FaultTable = { rows: [], faults: [] }
            packRules(rules, chemistryById("LFP"), defaultPackProtection())
            const latching: string[] = []
            for (let k = 0; k < rules.rows.length; k++) if ((rules.faults[k][FF.FLAGS] & FLAG_LATCHING) !== 0) latching.push(faultId(rules, k))
            assertEq(latching.join(","), "cell.ov.safety,cell.uv.deep", "latching pack rules")
            for (let k = 0; k < rules.rows.length; k++) {
                const r = rules.faults[k]
                const above = (r[FF.FLAGS] & FLAG_ABOVE) !== 0
                assertTrue(above ? r[FF.RELEASE] < r[FF.TRIP] : r[FF.RELEASE] > r[FF.TRIP], faultId(rules, k) + ": release on the safe side of the trip")
                assertTrue(r[FF.DEBOUNCE_ms] >= 0 && faultAction(r) !== 0, faultId(rules, k) + ": has a safe action")
            }
        })

        t.test("fault ids: the row's id, an output's rules with their output in front; looked up by id", async () => {
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 5500 }, { minOut_mV: 10800, maxOut_mV: 13200 }], new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100)), () => {})
            const ids: string[] = []
            for (let k = 0; k < p.rows.length; k++) ids.push(faultId(p, k))
            assertEq(ids.slice(0, 2).join(","), "cell.ov,cell.ov.safety", "pack rules first")
            assertTrue(ids.indexOf("sensor.afe.stale") >= 0, "sensor rules")
            assertEq(ids.filter(id => id.indexOf("ch1.") === 0).join(","), "ch1.stage.hot,ch1.ov,ch1.switch.stuck", "each output's own copies")
            for (let k = 0; k < ids.length; k++) assertEq(ids.indexOf(ids[k]), k, "unique: " + ids[k])
            for (let k = 0; k < ids.length; k++) assertEq(faultIndex(p, ids[k]), k, "found again: " + ids[k])
            assertEq(faultIndex(p, "ch2.ov"), -1, "no third output")
            assertEq(faultIndex(p, "nonsense"), -1, "unknown")
        })

        t.test("log: entries survive a restart in order, the ring keeps the newest, boots are counted", async () => {
            const store = new MemoryStore()
            const w = new SettingsWriter(store, 60000, 100)
            const log = new FaultLog(w)
            assertEq((await faultLogRestore(log, store)).length, 0, "a fresh store is fine")
            assertEq(log.boot, 1, "first boot")
            for (let i = 0; i < LOG_SLOTS + 3; i++) faultLogAdd(log, { boot: 1, t_s: i, event: "trip", id: "cell.ov", value: 4251 + i, threshold: 4250, unit: "mV" })
            await w.flush(0)
            const again = new FaultLog(new SettingsWriter(store, 60000, 100))
            assertEq((await faultLogRestore(again, store)).length, 0, "no problems")
            assertEq(again.boot, 2, "second boot")
            assertEq(again.entries.length, LOG_SLOTS, "the ring is full")
            assertEq(again.entries[0].value, 4251 + 3, "oldest kept")
            assertEq(again.entries[LOG_SLOTS - 1].value, 4251 + LOG_SLOTS + 2, "newest last")
            assertEq(again.total, LOG_SLOTS + 3, "total counted")
            for (let i = 0; i < LOG_SLOTS; i++) assertTrue(store.text[logSlotKey(i)].length < 200, "slot " + i + " small")
        })

        t.test("log: a corrupt slot is skipped and said; a corrupt head starts afresh", async () => {
            const store = new MemoryStore()
            const w = new SettingsWriter(store, 60000, 100)
            const log = new FaultLog(w)
            await faultLogRestore(log, store)
            faultLogAdd(log, { boot: 1, t_s: 5, event: "trip", id: "pack.ocd", value: 21000, threshold: 20000, unit: "mA" })
            faultLogAdd(log, { boot: 1, t_s: 9, event: "release", id: "pack.ocd", value: 100, threshold: 20000, unit: "mA" })
            await w.flush(0)
            store.text[logSlotKey(0)] = "{\"v\":1,\"b\":\"x\"}"
            const a = new FaultLog(new SettingsWriter(store, 60000, 100))
            const p = await faultLogRestore(a, store)
            assertEq(p.length, 1, "one problem: " + p.join(" | "))
            assertTrue(p[0].indexOf("slot 0") >= 0, "names the slot")
            assertEq(a.entries.length, 1, "the good entry kept")
            store.text[KEY_LOG_HEAD] = "{\"n\":99}"
            store.text[KEY_BOOTS] = "\"seven\""
            const b = new FaultLog(new SettingsWriter(store, 60000, 100))
            const q = await faultLogRestore(b, store)
            assertEq(q.length, 2, "head and boot counter: " + q.join(" | "))
            assertEq(b.entries.length, 0, "afresh")
            assertEq(b.boot, 1, "boots from 1")
        })

        t.test("settings: a write torn by a power loss never loses what was saved, nor the new value once shadowed", async () => {
            const mem = new MemoryStore()
            const st = new ShadowedStore(mem)
            await st.write("lim0", 2500)
            assertEq(await st.read("lim0"), 2500, "plain write")
            // Torn in the key itself, after the shadow was complete: the new value comes from the shadow.
            mem.tearKey = "lim0"
            let threw = false
            try {
                await st.write("lim0", 3000)
            } catch (e) {
                threw = true
            }
            assertTrue(threw, "the torn write reported a failure")
            assertEq(mem.text["lim0"], "[300", "torn text (a truncated number would have read as 30)")
            assertEq(await st.read("lim0"), 3000, "new value from the shadow")
            // The next save completes; then one torn in the shadow: the key still holds the last complete value.
            await st.write("lim0", 3000)
            mem.tearKey = "lim0~"
            try {
                await st.write("lim0", 3500)
            } catch (e) {}
            assertEq(await st.read("lim0"), 3000, "old value kept")
            // A value written by hand (not a record) is handed to the caller's validation as it is.
            mem.text["x"] = "123456"
            assertEq(await st.read("x"), 123456, "plain value")
            await st.write("gone", null)
            assertEq(await st.read("gone"), null, "a record cleared on purpose")
        })

        t.test("protector: a high cell stops charging, not discharging; logged with the value", async () => {
            const store = new MemoryStore()
            const log = new FaultLog(new SettingsWriter(store, 60000, 100))
            const notes: string[] = []
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, (c, k, m) => {
                notes.push(m)
            })
            const ch = channel(true, 16000, 1000, 40)
            await feed(p, 0, 1000, now => inputs(now, [4100, 4262, 4100, 4100], -2000, 25, ch))
            assertEq(chargeAllowed(p), false, "charging stopped")
            assertEq(dischargeAllowed(p), true, "discharging allowed")
            assertEq(protectorHolding(p, 0), -1, "the output is not held")
            assertEq(log.entries.length, 1, "logged")
            assertEq(log.entries[0].id + " " + log.entries[0].value, "cell.ov 4262", "with the value")
            assertTrue(notes[0].indexOf("4262 mV") >= 0, "the event says the value: " + notes[0])
        })

        t.test("protector: a deep cell latches everything off; nothing but a person brings it back", async () => {
            const log = new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100))
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, () => {})
            await feed(p, 0, 2000, now => inputs(now, [3200, 3200, 2450, 3200], 500, 25, channel(true, 12000, 400, 40)))
            assertEq(chargeAllowed(p) || dischargeAllowed(p), false, "everything off")
            assertTrue(protectorHolding(p, 0) >= 0, "the output is held")
            assertEq(p.latchedIds().join(","), "cell.uv.deep", "latched")
            // The plain under-voltage fault releases on its own (after its 30 s back-off); the deep one does not.
            await feed(p, 2100, 40000, now => inputs(now, [3300, 3300, 3300, 3300], 0, 25, channel(false, 0, 0, 30)))
            assertEq(faultActive(p, "cell.uv"), false, "cell.uv released by itself")
            assertTrue(protectorHolding(p, 0) >= 0, "still held after the cells recovered")
            assertEq(protectorClear(p, "", 40000), "", "a person clears it")
            assertEq(protectorHolding(p, 0), -1, "released")
            assertTrue(protectorClear(p, "", 40100) !== "", "nothing left to clear")
        })

        t.test("protector: current through an output that is off means a stuck switch: discharge off, latched", async () => {
            const log = new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100))
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, () => {})
            await feed(p, 0, 1000, now => inputs(now, [3800, 3800, 3800, 3800], 1500, 25, channel(false, 15000, 1450, 30)))
            assertEq(dischargeAllowed(p), false, "the pack's DSG FET must open")
            assertEq(p.latchedIds().join(","), "ch0.switch.stuck", "latched")
        })

        t.test("protector: the pack giving more than the outputs take is a Kirchhoff fault", async () => {
            const log = new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100))
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, () => {})
            await feed(p, 0, 5000, now => inputs(now, [3800, 3800, 3800, 3800], 2000 + 15 + 300, 25, channel(true, 15000, 2000, 30)))
            assertEq(faultActive(p, "kirchhoff"), false, "300 mA of mismatch is within tolerance")
            await feed(p, 5100, 9000, now => inputs(now, [3800, 3800, 3800, 3800], 2000 + 15 + 900, 25, channel(true, 15000, 2000, 30)))
            assertEq(faultActive(p, "kirchhoff"), true, "900 mA unaccounted for")
            assertTrue((protectorActions(p) & ACTION_DISCHARGE) !== 0, "discharge off")
        })

        t.test("protector: the AFE's own trips are followed: a short latches, a temperature trip releases by itself", async () => {
            const log = new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100))
            const p = new Protector(chemistryById("NMC"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, () => {})
            const at = (now: number, trips: number) => {
                const x = inputs(now, [3800, 3800, 3800, 3800], 0, 25, channel(false, 0, 0, 30))
                x.afeTrips = trips
                return x
            }
            await feed(p, 0, 500, now => at(now, AFE_TEMP_CHG))
            assertEq(chargeAllowed(p), false, "charging stopped with the AFE")
            assertEq(dischargeAllowed(p), true, "discharging allowed")
            await feed(p, 600, 4000, now => at(now, 0))
            assertEq(chargeAllowed(p), true, "released once the AFE released")
            await feed(p, 4100, 4500, now => at(now, AFE_SCD))
            await feed(p, 4600, 9000, now => at(now, 0))
            assertEq(p.latchedIds().join(","), "afe.scd", "a short waits for a person")
            assertEq(dischargeAllowed(p), false, "everything off meanwhile")
        })

        t.test("protector: a silent AFE holds everything; cold cells block charging only", async () => {
            const log = new FaultLog(new SettingsWriter(new MemoryStore(), 60000, 100))
            const p = new Protector(chemistryById("LFP"), defaultPackProtection(), [{ minOut_mV: 4500, maxOut_mV: 27000 }], log, () => {})
            await feed(p, 0, 3000, now => inputs(now, [3300, 3300, 3300, 3300], 0, -3, channel(false, 0, 0, 30)))
            assertEq(chargeAllowed(p), false, "no charging at -3 C")
            assertEq(dischargeAllowed(p), true, "discharging fine at -3 C")
            const silent = inputs(3100, [3300, 3300, 3300, 3300], 0, 20, channel(false, 0, 0, 30))
            silent.afeAge_ms = 4000
            protectorEvaluate(p, silent)
            assertEq(faultActive(p, "sensor.afe.stale"), true, "stale")
            assertEq(dischargeAllowed(p), false, "held")
        })
    })
}
