// The battery side of the supervisor: restores the pack configuration and what was learned, reads the
// AFE once a period, runs the estimator, saves what must survive, and renders the battery Snapshot.
import { Bus } from "../../drivers/bus"
import { AfeProtectionConfig, AfeReading, Bq76907, bq76907Defaults } from "../../drivers/bq76907"
import { PackProtectionConfig, cellVoltageLimits, implausibleCell_mV } from "../protection/rules"
import { chemistryById } from "./chemistry"
import { SettingsStore } from "../io"
import { SettingsWriter, errorText } from "../persist"
import { BatteryEstimate, BatteryEstimator, EstimatorConfig, LearnedState, emptyWalkFor, learnedState, startRuntimeWalk } from "./estimator"
import { BATTERY_KEYS, BatterySaver, decodeLearned, encodeLearned, saveDue } from "./battery_store"
import { PackConfig, PackLimits, checkPackConfig, packCapacity_mAh } from "./pack_config"
import { EmptyWalk } from "./runtime"

export const KEY_PACK = "pack"

export interface BatteryConfig {
    afeAddress: number
    afeCrc: boolean
    limits: PackLimits
    defaultPack: PackConfig
    /** How often the AFE is read and the estimator stepped. */
    period_ms: number
    estimator: EstimatorConfig
}

export interface BatterySnapshot {
    /** "unknown" | "known" | "fault" */
    status: string
    reason: string
    chemistry: string
    series: number
    parallel: number
    soc_pm: number
    socLow_pm: number
    socHigh_pm: number
    capacity_mAh: number
    capacitySigma_mAh: number
    /** Measured capacity over the label's, per mille; 0 until measured. */
    health_pm: number
    tte_s: number
    tteLow_s: number
    tteHigh_s: number
    ttf_s: number
    voltage_mV: number
    current_mA: number
    power_mW: number
    temp_dC: number
    cells_mV: number[]
    cellSoc_pm: number[]
    cycles_c: number
    energyIn_Wh: number
    energyOut_Wh: number
    anchor: string
    anchorAge_s: number
    /** The current sensor's learned offset and gain error (shown: a box that calibrates itself says so). */
    offset_uA: number
    gain_ppm: number
}

export type Note = (kind: string, message: string) => void

export class BatteryMonitor {
    readonly cfg: BatteryConfig
    pack: PackConfig
    afe: Bq76907
    est: BatteryEstimator
    // The fields below without `private` are internal too: the module functions after the class
    // (batteryStep, batterySnapshot, initAfe, save...) read and write them.
    bus: Bus
    private store: SettingsStore
    settings: SettingsWriter
    note: Note
    saver = new BatterySaver()
    /** batterySnapshot()'s object, refreshed in place. */
    snapOut: any
    status = "fault"
    reason = "not started"
    ready = false
    failures = 0
    nextRetry_ms = 0
    lastQ_C = 0
    lastQt_s = -1
    last: BatteryEstimate
    /** The AFE's latest reading and when it came (for the protections); -1 before the first. */
    reading: AfeReading
    reading_ms = -1
    /** What the AFE's own protections were armed with (undefined until armed and verified). */
    armed: AfeProtectionConfig
    armProblem = "AFE protections not armed yet"
    lastVerify_ms = 0
    fetsKnown = false
    fetChg = false
    fetDsg = false
    protection: PackProtectionConfig

    constructor(cfg: BatteryConfig, protection: PackProtectionConfig, bus: Bus, store: SettingsStore, settings: SettingsWriter, note: Note) {
        this.cfg = cfg
        this.protection = protection
        this.bus = bus
        this.store = store
        this.settings = settings
        this.note = note
        this.pack = cfg.defaultPack
    }

    /** Restore the pack configuration and the learned state, then bring up the AFE. */
    async start(now_ms: number): Promise<void> {
        let saved: any
        try {
            saved = await this.store.read(KEY_PACK)
        } catch (e) {
            this.note("setting", `could not read the pack configuration (${errorText(e)}); using the default`)
        }
        if (saved != null) {
            const problems = checkPackConfig(saved, this.cfg.limits)
            if (problems.length > 0) this.note("setting", `saved pack configuration refused (${problems.join("; ")}); using the default`)
            else this.pack = saved
        }
        const records: { [key: string]: any } = {}
        for (const k of BATTERY_KEYS) {
            try {
                const v = await this.store.read(k)
                records[k] = v
            } catch (e) {
                this.note("setting", `could not read ${k} (${errorText(e)})`)
            }
        }
        const pack = this.pack
        const d = decodeLearned(k => records[k], pack.series, packCapacity_mAh(pack) / 1000, this.cfg.estimator.labelCapacitySigma)
        for (const p of d.problems) this.note("setting", p)
        this.est = new BatteryEstimator(pack, this.cfg.estimator, d.state)
        await initAfe(this, now_ms)
    }
}

/** "" when the AFE's protections are armed and read back right; otherwise why not. */
export function batteryProtectionProblem(mon: BatteryMonitor): string {
    if (mon.ready) return mon.armProblem
    return "AFE not ready: " + mon.reason
}

/** Drive the AFE's FETs: charge and discharge paths (the chip's own protections still override). */
export async function setPackPath(mon: BatteryMonitor, chg: boolean, dsg: boolean, now_ms: number): Promise<void> {
    if (!mon.ready) return
    if (mon.fetsKnown) if (chg === mon.fetChg) if (dsg === mon.fetDsg) return
    try {
        await mon.afe.setFets(chg, dsg)
        mon.fetChg = chg
        mon.fetDsg = dsg
        mon.fetsKnown = true
    } catch (e) {
        mon.fetsKnown = false
        mon.note("protection", `could not set the pack FETs (${errorText(e)}); retrying`)
    }
}

/** One period. `outputs_C` is the charge the output meters counted since the last call (NaN if unknown). */
export async function batteryStep(mon: BatteryMonitor, now_ms: number, outputs_C: number): Promise<void> {
    if (!mon.ready) {
        if (now_ms >= mon.nextRetry_ms) await initAfe(mon, now_ms)
        return
    }
    let r: AfeReading
    try {
        r = await mon.afe.read()
    } catch (e) {
        mon.failures++
        if (mon.failures >= 3) {
            mon.ready = false
            mon.nextRetry_ms = now_ms + 5000
            fault(mon, `AFE not responding (${errorText(e)})`)
        }
        return
    }
    mon.failures = 0
    mon.reading = r
    mon.reading_ms = now_ms
    // A garbled or half-ready reading (a cell no cell could be) goes to the protections, never to the estimator.
    const bad = implausibleCell_mV(r.cell_mV)
    if (bad === bad) return
    // The hardware protections are read back once a minute: a register that changed is a fault, re-armed.
    if (now_ms - mon.lastVerify_ms >= 60000) {
        mon.lastVerify_ms = now_ms
        try {
            const wrong = mon.armed ? await mon.afe.verifyProtections(mon.armed) : ["never armed"]
            if (wrong.length > 0) {
                mon.note("protection", `AFE protections read back wrong (${wrong.join("; ")}); arming again`)
                await armAfe(mon, now_ms)
            }
        } catch (e) {
            mon.armProblem = `AFE protections could not be verified (${errorText(e)})`
        }
    }
    // The AFE's own clock covers the counted charge; a reset of the chip restarts both at zero.
    let dt = 0
    let dq = 0
    const qt = r.passqTime_s
    const q = r.passq_C
    const lastQt = mon.lastQt_s
    if (lastQt >= 0)
        if (qt >= lastQt) {
            dt = qt - lastQt
            dq = q - mon.lastQ_C
        }
    mon.lastQt_s = qt
    mon.lastQ_C = q
    if (!(dt > 0)) outputs_C = NaN
    const ts = r.ts_C
    const temp = ts === ts ? ts : r.dieTemp_C
    const e = mon.est.step({ t_ms: now_ms, dt_s: dt, cell_mV: r.cell_mV, current_A: r.current_A, charge_C: dq, outputs_C, temp_C: temp })
    mon.last = e
    mon.status = e.status
    mon.reason = ""
    save(mon, now_ms)
}

/** Refuse a pack change while anything is connected that the change could hurt. */
export function packRefusal(outputsOn: boolean): string {
    if (outputsOn) return "switch every output off before changing the pack configuration"
    return ""
}

/** A new pack: forget everything learned about the old one. */
export async function applyPack(mon: BatteryMonitor, p: PackConfig, now_ms: number): Promise<void> {
    mon.pack = p
    mon.settings.set(KEY_PACK, p)
    for (const k of BATTERY_KEYS) mon.settings.set(k, null)
    mon.saver = new BatterySaver()
    mon.est = new BatteryEstimator(p, mon.cfg.estimator, undefined)
    mon.last = undefined
    await initAfe(mon, now_ms)
    mon.note("battery", `pack set to ${p.series}S${p.parallel}P ${p.chemistry} ${p.cellCapacity_mAh} mAh cells; capacity and health will be measured again`)
}

/** Start recomputing time to empty / full when due; true when a walk started (advance it with the estimator's advanceRuntimeWalk). */
export function startRuntimes(mon: BatteryMonitor, now_ms: number): boolean {
    const e = mon.last
    if (!e) return false
    return startRuntimeWalk(mon.est, now_ms, e.temp_C)
}

/** A walk for the time to empty at this pack power alone (W), or undefined before the first reading. */
export function emptyWalkAt(mon: BatteryMonitor, power_W: number): EmptyWalk {
    const e = mon.last
    if (!e) return undefined
    return emptyWalkFor(mon.est, power_W, e.temp_C)
}

export function batterySnapshot(mon: BatteryMonitor): BatterySnapshot {
    let e: any
    if (mon.est) e = mon.est.estimate()
    const p = mon.pack
    // The row table is built once and kept: the snapshot runs every tick, and a fresh table each time was
    // the largest allocation at the tick's peak (the heap is tight).
    if (!snapshotRows) snapshotRows = snapshotRowTable()
    const rows = snapshotRows
    // One object, refreshed each time (the Jacdac server keeps it; a tick builds no new one). Every row is
    // written below, so nothing stale survives a change of pack.
    const out: any = mon.snapOut || {}
    mon.snapOut = out
    // Its per-group arrays are kept too while their length holds.
    let mV: number[] = out.cells_mV
    let soc: number[] = out.cellSoc_pm
    for (let k = 0; k < rows.length; k += 4) {
        let v = rows[k + 3]
        if (e) if (rows[k + 2] > 0) v = Math.round(e[rows[k + 1]] * rows[k + 2])
        out[rows[k]] = v
    }
    // Fields that are the monitor's own, not the estimate's (and fresh arrays per snapshot).
    out.status = mon.status
    out.reason = mon.reason
    out.chemistry = p.chemistry
    out.series = p.series
    out.parallel = p.parallel
    if (!e) out.capacity_mAh = packCapacity_mAh(p)
    let n = 0
    if (e) n = e.groups.length
    if (!mV || mV.length !== n) {
        mV = []
        soc = []
    }
    out.cells_mV = mV
    out.cellSoc_pm = soc
    if (e) {
        if (e.capacityMeasured) out.health_pm = Math.round(e.soh * 1000)
        for (let i = 0; i < n; i++) {
            const g = e.groups[i]
            mV[i] = Math.round(g.v * 1000)
            soc[i] = Math.round(g.soc * 1000)
        }
        out.anchor = e.anchorKind
    }
    return out
}

/**
 * The battery snapshot's fields in order, a row each: the field; the estimate field it is made from (times the
 * scale, rounded) and that scale, 0 for none; its value without an estimate (the monitor's own fields and the
 * arrays are filled in by batterySnapshot()).
 */
function snapshotRowTable(): any[] {
    return [
        "status", "", 0, "",
        "reason", "", 0, "",
        "chemistry", "", 0, "",
        "series", "", 0, 0,
        "parallel", "", 0, 0,
        "soc_pm", "soc", 1000, 0,
        "socLow_pm", "socLow", 1000, 0,
        "socHigh_pm", "socHigh", 1000, 1000,
        "capacity_mAh", "capacity_Ah", 1000, 0,
        "capacitySigma_mAh", "capacitySigma_Ah", 1000, 0,
        "health_pm", "", 0, 0,
        "tte_s", "tte_s", 1, -1,
        "tteLow_s", "tteLow_s", 1, -1,
        "tteHigh_s", "tteHigh_s", 1, -1,
        "ttf_s", "ttf_s", 1, -1,
        "voltage_mV", "packVoltage_V", 1000, 0,
        "current_mA", "current_A", 1000, 0,
        "power_mW", "power_W", 1000, 0,
        "temp_dC", "temp_C", 10, 0,
        "cells_mV", "", 0, 0,
        "cellSoc_pm", "", 0, 0,
        "cycles_c", "equivalentCycles", 100, 0,
        "energyIn_Wh", "energyIn_Wh", 1, 0,
        "energyOut_Wh", "energyOut_Wh", 1, 0,
        "anchor", "", 0, "none",
        "anchorAge_s", "anchorAge_s", 1, -1,
        "offset_uA", "offset_A", 1e6, 0,
        "gain_ppm", "gain", 1e6, 0,
    ]
}
let snapshotRows: any[] = undefined

// The monitor's internal steps, as module functions (no prototype entries, cheaper calls in the VM's image).

/** Bring up the AFE: probe, configure, arm its protections; on failure, retry in 5 s. */
async function initAfe(mon: BatteryMonitor, now_ms: number): Promise<void> {
    const c = bq76907Defaults(mon.pack.series)
    c.address = mon.cfg.afeAddress
    c.crc = mon.cfg.afeCrc
    try {
        const afe = new Bq76907(mon.bus, c)
        mon.afe = afe
        await afe.probe()
        await afe.configure()
        await armAfe(mon, now_ms)
        mon.fetsKnown = false
        mon.ready = true
        mon.failures = 0
        mon.lastQt_s = -1
        mon.status = "unknown"
        mon.reason = ""
    } catch (e) {
        mon.ready = false
        mon.nextRetry_ms = now_ms + 5000
        fault(mon, "AFE: " + errorText(e))
    }
}

/**
 * The AFE's hardware protections: the last layer, armed past the firmware's own limits (so the firmware
 * acts first) and read back. Cell limits from the chemistry, currents from the box's ratings.
 */
function afeProtectionConfig(mon: BatteryMonitor): AfeProtectionConfig {
    const c = chemistryById(mon.pack.chemistry)
    const v = cellVoltageLimits(c)
    const p = mon.protection
    return {
        cov_mV: v.safetyOverVoltage_mV,
        covDelay_ms: 1000,
        cuv_mV: v.deepDischarge_mV,
        cuvDelay_ms: 1000,
        occ_mA: p.maxCharge_mA * 1.25,
        occDelay_ms: 1000,
        ocd_mA: p.maxDischarge_mA * 1.25,
        ocdDelay_ms: 100,
        scd_mA: p.shortCircuit_mA,
        scdDelay_us: 250,
        // Temperatures past the chemistry's windows (the firmware's own rules act at the windows).
        otc_C: c.chargeMax_C + 5,
        utc_C: c.chargeMin_C - 3,
        otd_C: c.dischargeMax_C + 5,
        utd_C: c.dischargeMin_C - 5,
        tempDelay_s: 2,
    }
}

async function armAfe(mon: BatteryMonitor, now_ms: number): Promise<void> {
    const afe = mon.afe
    const armed = await afe.armProtections(afeProtectionConfig(mon))
    const wrong = await afe.verifyProtections(armed)
    mon.lastVerify_ms = now_ms
    mon.armed = armed
    mon.armProblem = ""
    if (wrong.length > 0) {
        mon.armed = undefined
        mon.armProblem = "AFE protections read back wrong: " + wrong.join("; ")
        mon.note("protection", mon.armProblem)
    }
}

function fault(mon: BatteryMonitor, reason: string): void {
    if (mon.status === "fault") if (mon.reason === reason) return // said already
    mon.note("battery", reason)
    mon.status = "fault"
    mon.reason = reason
}

function save(mon: BatteryMonitor, now_ms: number): void {
    const learned: LearnedState = learnedState(mon.est)
    const keys = saveDue(mon.saver, learned, now_ms / 1000)
    if (keys.length === 0) return
    const records = encodeLearned(learned)
    for (const k of keys) mon.settings.set(k, records[k])
}
