// The honest battery: state of charge, capacity, health and runtime, each with its uncertainty, from the
// AFE's cell voltages, counted charge and temperature. Portable; time is passed in.
//
//   counted charge --(calibrated against the output meters)--> per-group filters (SOC, RC states)
//   cell voltages  --> filter corrections (weighted by OCV slope and load) and anchors
//   anchors        --> capacity per group (pairs of anchors and the charge counted between them)
//   groups         --> pack SOC over the usable window, runtime at the present load
//
// Before the SOC is pinned down (its one-sigma below `knownSigma`) the status is "unknown" and only the
// band is meaningful: the box never invents a 100 % or a 60 %.
import { Chemistry, chemistryById, ocvAt_mV, ocvSlope_mV, socAtOcv } from "./chemistry"
import { PackConfig } from "./pack_config"
import { CellFilter, CellParams, cellParams, filterFuse, filterPredict, filterSigma, filterUpdate } from "./cell_filter"
import { CurrentCalibrator, calCorrectCharge_C, calCorrect_A, calGainSigma, calObserve, calOffsetSigma_A, calRestore, calSigma_A } from "./current_cal"
import { Anchor, CapacityLearner, addAnchor, capacitySigma_Ah } from "./capacity"
import { CapacityTrend, trendEffective, trendObserve, trendRestart } from "./capacity_trend"
import { EmptyWalk, FullWalk, RuntimeWalk } from "./runtime"

export interface EstimatorConfig {
    /** "ekf": correct with every voltage sample; "anchors": count charge, correct only at anchors. */
    mode: string
    /** The box's own draw from the pack and its tolerance, mA. */
    quiescent_mA: number
    quiescentSigma_mA: number
    /** Cell-voltage measurement noise and OCV-table error, mV (one sigma). */
    adcSigma_mV: number
    modelSigma_mV: number
    /** Rest below this C-rate; full-charge tail below this C-rate, held this long. */
    restC: number
    tailC: number
    fullHold_s: number
    /** The SOC counts as known once its one-sigma is below this. */
    knownSigma: number
    /** How far the label capacity may be from the truth before anything is learned (relative, one sigma). */
    labelCapacitySigma: number
    /** Longest time constant of the load average behind time-to-empty, s (shorter at the start of a discharge). */
    powerAverage_s: number
    /** How often runtimes are recomputed, s. */
    runtimeEvery_s: number
    /** Uncertainty added to a restored SOC for the unknown time the box was off. */
    restartSigma: number
}

export function defaultEstimatorConfig(): EstimatorConfig {
    return {
        mode: "ekf",
        quiescent_mA: 15,
        quiescentSigma_mA: 3,
        adcSigma_mV: 2,
        modelSigma_mV: 8,
        restC: 0.01,
        tailC: 0.05,
        fullHold_s: 120,
        knownSigma: 0.04,
        labelCapacitySigma: 0.15,
        powerAverage_s: 3600,
        runtimeEvery_s: 10,
        restartSigma: 0.03,
    }
}

export interface BatteryInputs {
    t_ms: number
    /** Interval covered by the counted charges. */
    dt_s: number
    cell_mV: number[]
    /** The AFE's current now (A, discharge positive), as measured (uncorrected). */
    current_A: number
    /** Charge the AFE counted over dt (C, discharge positive), as measured. */
    charge_C: number
    /** Charge the output meters counted over the same dt (C); NaN when not known. */
    outputs_C: number
    temp_C: number
}

/** What the estimator learned and must survive a restart. */
export interface LearnedState {
    q_Ah: number[]
    qSigma_Ah: number[]
    rFactor: number[]
    soc: number[]
    socSigma: number[]
    offset_A: number
    offsetSigma_A: number
    gain: number
    gainSigma: number
    dischargeAh: number
    energyIn_Wh: number
    energyOut_Wh: number
    capacityLearned: number
}

/** One series group: also what the runtime walks start from (a RuntimeGroup). */
export interface GroupEstimate {
    soc: number
    sigma: number
    /** The capacity the SOC counts against (the learned one, sharpened by this pass's trend), Ah. */
    q_Ah: number
    /** Learned ohmic resistance relative to the chemistry's typical one. */
    rFactor: number
    v: number
}

export interface BatteryEstimate {
    /** "unknown" until the SOC is pinned down, then "known". */
    status: string
    soc: number
    sigma: number
    socLow: number
    socHigh: number
    capacity_Ah: number
    capacitySigma_Ah: number
    soh: number
    /** False while the capacity is still the label's (nothing learned yet). */
    capacityMeasured: boolean
    groups: GroupEstimate[]
    packVoltage_V: number
    current_A: number
    power_W: number
    temp_C: number
    offset_A: number
    gain: number
    /** Kind and age of the last anchor ("none" before the first). */
    anchorKind: string
    anchorAge_s: number
    equivalentCycles: number
    energyIn_Wh: number
    energyOut_Wh: number
    /** Seconds; -1 when not applicable (not discharging / not charging). */
    tte_s: number
    tteLow_s: number
    tteHigh_s: number
    ttf_s: number
}

const MAX_RUNTIME_S = 30 * 86400

function clamp01(x: number): number {
    return Math.min(1, Math.max(0, x))
}

export class BatteryEstimator {
    readonly chem: Chemistry
    readonly pack: PackConfig
    readonly cfg: EstimatorConfig
    readonly groups: CellFilter[] = []
    readonly learner: CapacityLearner
    readonly cal: CurrentCalibrator
    /** Learned ohmic resistance (R0) of each group relative to the chemistry's typical one. */
    rFactor: number[]
    // The fields below without `private` are internal too: the module functions in this file read and
    // write them.
    /** Current steps each group's resistance factor has averaged (followed slowly after 10). */
    rSteps: number[] = []
    /** The saved state to start from (start() reads it once, then drops it). */
    restored: LearnedState
    started: boolean
    /** The last step's time, s. */
    t_s: number
    /** Counts starts: anchors from different epochs are never paired (capacity.ts). */
    epoch = 0
    /** The label capacity of a group, Ah. */
    nominal_Ah: number
    /** Voltage noise variances, V²: the ADC's, the model's (OCV table and hysteresis), and both at rest. */
    adcVar: number
    modelVar: number
    restVar: number
    counter_Ah = 0
    dischargeAh = 0
    energyIn_Wh = 0
    energyOut_Wh = 0
    /** Since when the pack has rested (s); -1 while it does not, Infinity once this rest gave its anchor. */
    restSince_s = -1
    fullSince_s = -1
    fullDone: boolean
    emptyDone: boolean
    lastAnchorKind = "none"
    lastAnchor_s = -1
    /**
     * The load average (W), its variance and the time into the present discharge (s): the average starts
     * afresh with each discharge, and with the first step (the average is undefined before it).
     */
    avgPower_W: number
    powerVar: number
    private session_s: number
    /**
     * Calibration window: the AFE's and the meters' counted charge (C) and its length (s), summed over about
     * a minute (they count in 50 ms and 250 ms steps).
     */
    private calWin = [0, 0, 0]
    lastRuntime_s = -Infinity
    /** The load average the runtimes were last computed for. */
    runtimePower_W = 0
    /** The last runtimes: time to empty, its low and high bound, time to full (s; -1: not applicable). */
    rt = [-1, -1, -1, -1]
    /** The runtime walk under way, if any, and the load it was started for. */
    walk: RuntimeWalk
    walkEmpty: boolean
    walkPower_W: number
    /** The last step's current (A) and cell voltages (V), for the resistance from current steps. */
    prevI: number
    prevV: number[] = []
    /** The present pass's provisional capacities (see capacity_trend.ts), restarted whenever one is learned. */
    trend = new CapacityTrend()
    /** The learned-capacity count the trend was restarted for (undefined: restart with the first step). */
    private trendLearned: number
    last: BatteryEstimate

    constructor(pack: PackConfig, cfg: EstimatorConfig, restored?: LearnedState) {
        const c = chemistryById(pack.chemistry)
        if (!c) throw new Error("unknown chemistry " + pack.chemistry)
        this.chem = c
        this.pack = pack
        this.cfg = cfg
        const a = cfg.adcSigma_mV / 1000
        const m = cfg.modelSigma_mV / 1000
        const h = c.hysteresis_mV / 2000
        this.adcVar = a * a
        this.modelVar = m * m + h * h
        this.restVar = a * a + m * m + h * h
        const q = (pack.cellCapacity_mAh * pack.parallel) / 1000
        this.nominal_Ah = q
        let qs: number[] = []
        let qsig: number[] = []
        const rf: number[] = []
        for (let i = 0; i < pack.series; i++) {
            qs.push(q)
            qsig.push(q * cfg.labelCapacitySigma)
            rf.push(1)
            this.rSteps.push(0)
        }
        this.rFactor = rf
        this.cal = new CurrentCalibrator(cfg.quiescent_mA / 1000, cfg.quiescentSigma_mA / 1000, 0.05, 0.03)
        // A saved state (for this many groups) starts from what was learned instead of the label.
        const r = restored
        if (r) if (r.q_Ah.length === pack.series) {
            qs = r.q_Ah
            qsig = r.qSigma_Ah
            this.restored = r
            this.rFactor = r.rFactor.slice(0)
            calRestore(this.cal, r.offset_A, r.gain, r.offsetSigma_A, r.gainSigma)
            this.dischargeAh = r.dischargeAh
            this.energyIn_Wh = r.energyIn_Wh
            this.energyOut_Wh = r.energyOut_Wh
        }
        this.learner = new CapacityLearner(qs, qsig)
        if (this.restored) this.learner.learned = r.capacityLearned
    }

    step(inp: BatteryInputs): BatteryEstimate {
        if (!this.started) start(this, inp)
        const c = this.chem
        const cfg = this.cfg
        let dt = inp.dt_s
        if (!(dt > 0)) dt = 0
        this.t_s = inp.t_ms / 1000
        const groups = this.groups
        const n = groups.length
        const cal = this.cal
        const learner = this.learner
        const q = learner.q_Ah
        const prevV = this.prevV
        const prevI = this.prevI
        const rf = this.rFactor
        const rs = this.rSteps
        // 1. The current sensor, calibrated against the output meters when nothing else moves charge, over
        //    windows of a minute: both count in steps (a conversion, a CC1 period), and a second holds 19 or 20
        //    INA228 conversions, a 5 % jitter that a minute brings down to 0.1 %.
        const w = this.calWin
        const outputs_C = inp.outputs_C
        // The window ends (and starts again empty) after a minute, or with any step the meters did not count.
        let windowEnds = true
        if (outputs_C === outputs_C) if (dt > 0) {
            w[0] = w[0] + inp.charge_C
            w[1] = w[1] + outputs_C
            w[2] = w[2] + dt
            windowEnds = false
            if (w[2] >= 60) {
                calObserve(cal, w[0], w[1], w[2])
                windowEnds = true
            }
        }
        if (windowEnds) {
            w[0] = 0
            w[1] = 0
            w[2] = 0
        }
        const I = calCorrect_A(cal, inp.current_A)
        let charge_C = 0
        let meanI = I
        if (dt > 0) {
            charge_C = calCorrectCharge_C(cal, inp.charge_C, dt)
            meanI = charge_C / dt
        }
        let dAh = charge_C / 3600
        if (dAh < 0) dAh *= c.chargeEfficiency
        const biasSigma = calSigma_A(cal, meanI)
        const sd = (c.selfDischargePerDay * dt) / 86400
        const ekf = cfg.mode === "ekf" && dt > 0
        // 2. Every group: count, then (ekf) correct with its voltage.
        let vPack = 0
        for (let i = 0; i < n; i++) {
            const f = groups[i]
            const p = params(this, i, inp.temp_C)
            const qp = p.q_Ah
            const r0 = p.r0
            const qRel = Math.sqrt(learner.qVar[i]) / q[i]
            let bias = biasSigma
            if (sd > 0) bias += (0.5 * c.selfDischargePerDay * qp) / 24
            filterPredict(f, c, p, dAh + sd * qp, meanI, dt, qRel, bias)
            const v = inp.cell_mV[i] / 1000
            vPack += v
            // Below the table's 0 % point the curve is only an extrapolation: count, don't correct.
            if (ekf) if (v + I * r0 > c.ocv_mV[0] / 1000) {
                // The ADC's noise is fresh every sample; the model's errors (OCV table, hysteresis, resistance)
                // are not: they stay the same until the SOC has moved ~2 % or ~10 minutes pass. Counting each
                // sample as new evidence would make the filter overconfident, so the model part is weighted
                // as one observation per correlation span.
                const load = 0.3 * (Math.abs(I) * r0 + Math.abs(f.v1) + Math.abs(f.v2))
                const skew = (I - prevI) * r0
                // The errors decorrelate in about ten minutes (the cell relaxes, the SOC moves along the curve);
                // under load, until the ohmic resistance has been measured, the resistance model's error lasts
                // as long as the load does, so a loaded voltage then counts once per half hour.
                let span = 600
                if (Math.abs(meanI) > cfg.restC * qp) if (rs[i] === 0) span = 1800
                const corr = Math.max(span / dt, 1)
                filterUpdate(f, c, p, v, I, this.adcVar + skew * skew + (this.modelVar + load * load) * corr)
            }
            // The ohmic resistance from current steps: -dV/dI between two samples a period apart (the RC pairs
            // barely move in that time). Averaged over the first few steps, then followed slowly.
            const dI = I - prevI
            if (Math.abs(dI) >= 0.2 * q[i]) {
                const ratio = -(v - prevV[i]) / dI / (r0 / rf[i])
                if (ratio > 0.3)
                    if (ratio < 5) {
                        const steps = rs[i] + 1
                        rs[i] = steps
                        const k = 1 / Math.min(steps, 10)
                        rf[i] = rf[i] + k * (ratio - rf[i])
                    }
            }
            prevV[i] = v
        }
        this.prevI = I
        // 3. Counters.
        const counter = this.counter_Ah + dAh
        this.counter_Ah = counter
        if (dAh > 0) {
            this.dischargeAh += dAh
            this.energyOut_Wh += dAh * vPack
        } else this.energyIn_Wh -= (charge_C / 3600) * vPack
        // 4. Anchors: moments when the voltage alone says where each group is.
        detectAnchors(this, inp, I)
        // 5. Provisional capacities for this pass.
        const trend = this.trend
        const socs: number[] = []
        const sigmas: number[] = []
        for (const f of groups) {
            socs.push(f.soc)
            sigmas.push(filterSigma(f))
        }
        if (learner.learned !== this.trendLearned) {
            this.trendLearned = learner.learned
            trendRestart(trend, socs, sigmas, counter)
        } else for (let i = 0; i < n; i++) trendObserve(trend, i, socs[i], sigmas[i], counter, q[i])
        // 6. Load average for runtimes: it restarts with each discharge, so a steady load is right at once,
        //    and widens to `powerAverage_s`, so a cycling load is judged by its mean.
        const power = vPack * meanI
        if (meanI < cfg.tailC * q[0] || this.avgPower_W === undefined) {
            this.avgPower_W = power
            this.powerVar = 0
            this.session_s = 0
        } else if (dt > 0) {
            const session = this.session_s + dt
            this.session_s = session
            const k = dt / Math.min(session, cfg.powerAverage_s)
            const avg = this.avgPower_W
            const d = power - avg
            this.avgPower_W = avg + k * d
            this.powerVar = (1 - k) * (this.powerVar + k * d * d)
        }
        const e = assemble(this, inp, I, vPack, power)
        this.last = e
        return e
    }

    estimate(): BatteryEstimate {
        return this.last
    }
}

// The estimator's steps, as module functions (no prototype entries, cheaper calls in the VM's image).

function params(est: BatteryEstimator, i: number, temp_C: number): CellParams {
    // Resistances scale with the cell's size (the learned capacity); the charge counts against this
    // pass's best capacity.
    const l = est.learner
    const p = cellParams(est.chem, l.q_Ah[i], temp_C, est.groups[i].soc, est.rFactor[i])
    p.q_Ah = trendEffective(est.trend, i, l.q_Ah[i], l.qVar[i])
    return p
}

function start(est: BatteryEstimator, inp: BatteryInputs): void {
    const n = est.pack.series
    const c = est.chem
    const I = inp.current_A
    const r = est.restored
    let fromSaved = false
    if (r) fromSaved = r.soc.length === n
    const q = est.learner.q_Ah
    const rs = est.cfg.restartSigma
    for (let i = 0; i < n; i++) {
        const v = inp.cell_mV[i]
        // The OCV under a current: remove the ohmic drop; the RC pairs' share is unknown (somewhere between
        // nothing and their steady state), so take half of it and count the other half as uncertainty.
        const p = cellParams(c, q[i], inp.temp_C, 0.5, est.rFactor[i])
        const rc_mV = I * (p.r1 + p.r2) * 500
        let soc = clamp01(socAtOcv(c, v + I * p.r0 * 1000 + rc_mV))
        // The cells may still be relaxing from a load we never saw: allow 30 mV of polarisation.
        const slope = ocvSlope_mV(c, soc) / 1000
        const pol = 0.03 + Math.abs(rc_mV) / 1000
        let sigma = Math.sqrt(pol * pol + est.restVar) / Math.max(slope, 0.05)
        if (fromSaved) {
            soc = r.soc[i]
            const ss = r.socSigma[i]
            sigma = Math.sqrt(ss * ss + rs * rs)
        }
        // Unknown polarisation at boot: start the RC states half-way and let the filter move them.
        est.groups.push(new CellFilter(soc, Math.min(sigma, 0.3), (I * p.r1) / 2, (I * p.r2) / 2))
        est.prevV.push(v / 1000)
    }
    est.prevI = I
    est.epoch = est.epoch + 1
    est.started = true
    // Only start() reads the restored state: let it go.
    est.restored = undefined
}

function detectAnchors(est: BatteryEstimator, inp: BatteryInputs, I: number): void {
    const c = est.chem
    const cfg = est.cfg
    const groups = est.groups
    const qA = est.learner.q_Ah[0]
    const t = est.t_s
    // Below this current the pack is at rest.
    const rest_A = cfg.restC * qA
    // Rest: a relaxed voltage is an OCV; only where the curve is steep enough to say something.
    if (Math.abs(I) < rest_A) {
        if (est.restSince_s < 0) est.restSince_s = t
        if (t - est.restSince_s >= c.rest_s) {
            est.restSince_s = Infinity
            const soc: number[] = []
            const vr: number[] = []
            let ok = true
            for (let i = 0; i < groups.length; i++) {
                const s = socAtOcv(c, inp.cell_mV[i] - groups[i].hyst * 1000)
                const slope = ocvSlope_mV(c, clamp01(s)) / 1000
                const variance = est.restVar / (slope * slope)
                if (variance > 0.04 * 0.04) ok = false
                soc.push(s)
                vr.push(variance)
            }
            if (ok) anchor(est, "rest", soc, vr)
        }
    } else est.restSince_s = -1
    // Full: charging, tail current, near the top, held.
    let vMax = 0
    let vMin = Infinity
    for (const v of inp.cell_mV) {
        vMax = Math.max(vMax, v)
        vMin = Math.min(vMin, v)
    }
    let topping = false
    if (I < 0) if (-I <= cfg.tailC * qA) if (vMax >= ocvAt_mV(c, 0.85)) topping = true
    if (topping) {
        if (est.fullSince_s < 0) est.fullSince_s = t
        if (!est.fullDone)
            if (t - est.fullSince_s >= cfg.fullHold_s) {
                est.fullDone = true
                loadedAnchor(est, "full", inp, I)
            }
    } else {
        est.fullSince_s = -1
        if (I > rest_A) est.fullDone = false
    }
    // Empty: discharging into the cut-off.
    let atCutoff = false
    if (I > rest_A) if (vMin <= c.cutoff_mV + 20) atCutoff = true
    if (atCutoff) {
        if (!est.emptyDone) {
            est.emptyDone = true
            loadedAnchor(est, "empty", inp, I)
        }
    } else if (I < 0) est.emptyDone = false
}

/**
 * An anchor from voltages under load: the SOC per group with the modelled polarisation removed, and its
 * variance (the polarisation model's error, 30 % of the drop, counts as noise).
 */
function loadedAnchor(est: BatteryEstimator, kind: string, inp: BatteryInputs, I: number): void {
    const soc: number[] = []
    const vr: number[] = []
    const c = est.chem
    const groups = est.groups
    for (let i = 0; i < groups.length; i++) {
        const f = groups[i]
        const p = params(est, i, inp.temp_C)
        soc.push(socAtOcv(c, inp.cell_mV[i] + (I * p.r0 + f.v1 + f.v2 - f.hyst) * 1000))
        const e = 0.3 * (Math.abs(I) * params(est, i, 25).r0 + Math.abs(f.v1) + Math.abs(f.v2))
        const slope = ocvSlope_mV(c, clamp01(f.soc)) / 1000
        vr.push((est.restVar + e * e) / (slope * slope))
    }
    anchor(est, kind, soc, vr)
}

function anchor(est: BatteryEstimator, kind: string, soc: number[], variance: number[]): void {
    const t = est.t_s
    // Outside the OCV table the curve is only an extrapolation: that group's reading says nothing.
    for (let i = 0; i < soc.length; i++) {
        if (soc[i] < -0.02) variance[i] = 1
        if (soc[i] > 1.02) variance[i] = 1
    }
    const currentSigma_A = calSigma_A(est.cal, 0)
    addAnchor(est.learner, { kind, t_s: t, counter_Ah: est.counter_Ah, soc, variance, epoch: est.epoch }, currentSigma_A, 0.0002)
    if (est.cfg.mode !== "ekf") for (let i = 0; i < soc.length; i++) if (variance[i] < 1) filterFuse(est.groups[i], soc[i], variance[i])
    est.lastAnchorKind = kind
    est.lastAnchor_s = t
}

function assemble(est: BatteryEstimator, inp: BatteryInputs, I: number, vPack: number, power: number): BatteryEstimate {
    const learner = est.learner
    let rem = Infinity
    let room = Infinity
    let sigma = 0
    let qMin = Infinity
    let qSig = 0
    const groups: GroupEstimate[] = []
    for (let i = 0; i < est.groups.length; i++) {
        const f = est.groups[i]
        // Its capacity for SOC and runtimes: the learned one, sharpened by this pass's trend.
        const q = trendEffective(est.trend, i, learner.q_Ah[i], learner.qVar[i])
        const s = f.soc
        rem = Math.min(rem, q * s)
        room = Math.min(room, q * (1 - s))
        const sg = filterSigma(f)
        sigma = Math.max(sigma, sg)
        groups.push({ soc: s, sigma: sg, q_Ah: q, rFactor: est.rFactor[i], v: inp.cell_mV[i] / 1000 })
        // The weakest group's learned capacity (the first of equals) and its sigma.
        if (learner.q_Ah[i] < qMin) {
            qMin = learner.q_Ah[i]
            qSig = capacitySigma_Ah(learner, i)
        }
    }
    const cap = rem + room
    const soc = clamp01(cap > 0 ? rem / cap : 0)
    const nominal = est.nominal_Ah
    const rt = est.rt
    const cal = est.cal
    return {
        status: sigma <= est.cfg.knownSigma ? "known" : "unknown",
        soc,
        sigma,
        socLow: clamp01(soc - 2 * sigma),
        socHigh: clamp01(soc + 2 * sigma),
        capacity_Ah: cap,
        capacitySigma_Ah: qSig,
        soh: qMin / nominal,
        capacityMeasured: learner.learned > 0,
        groups,
        packVoltage_V: vPack,
        current_A: I,
        power_W: power,
        temp_C: inp.temp_C,
        offset_A: cal.offset_A,
        gain: cal.gain,
        anchorKind: est.lastAnchorKind,
        anchorAge_s: est.lastAnchor_s < 0 ? -1 : est.t_s - est.lastAnchor_s,
        equivalentCycles: est.dischargeAh / nominal,
        energyIn_Wh: est.energyIn_Wh,
        energyOut_Wh: est.energyOut_Wh,
        tte_s: rt[0],
        tteLow_s: rt[1],
        tteHigh_s: rt[2],
        ttf_s: rt[3],
    }
}

function publishRuntimes(est: BatteryEstimator, tte: number, ttf: number): void {
    let low = -1
    let high = -1
    const e = est.last
    if (tte >= 0) {
        // Band: the SOC's two-sigma in charge terms, the capacity's (before it is measured, the label may be
        // far off), and the load's variability.
        const cap = e.capacity_Ah
        const chargeLeft = e.soc * cap
        let qRel = 0
        const l = est.learner
        for (let i = 0; i < l.q_Ah.length; i++) qRel = Math.max(qRel, capacitySigma_Ah(l, i) / l.q_Ah[i])
        let socRel = 1
        if (chargeLeft > 0) socRel = (2 * e.sigma * cap) / chargeLeft
        const rel = Math.sqrt(socRel * socRel + 4 * qRel * qRel)
        const pRel = Math.sqrt(Math.max(est.powerVar, 0)) / est.walkPower_W
        low = Math.max((tte * (1 - rel)) / (1 + pRel), 0)
        high = Math.min((tte * (1 + rel)) / Math.max(1 - pRel, 0.2), MAX_RUNTIME_S)
    }
    est.rt = [tte, low, high, ttf]
    e.tte_s = tte
    e.tteLow_s = low
    e.tteHigh_s = high
    e.ttf_s = ttf
}

// The estimator's runtimes and saved state, as module functions (no prototype entries, cheaper calls).

/**
 * Time to empty / full at the smoothed load, recomputed at most every `runtimeEvery_s` or sooner when
 * the load moved. Starts a walk of the pack model and returns true when it did; advanceRuntimeWalk() advances
 * it (the firmware yields between pieces: a whole walk does not fit one VM slice).
 */
export function startRuntimeWalk(est: BatteryEstimator, now_ms: number, temp_C: number): boolean {
    const e = est.last
    if (!e) return false
    const now_s = now_ms / 1000
    const since = now_s - est.lastRuntime_s
    const P = est.avgPower_W
    const last = est.runtimePower_W
    // Also sooner when the load has changed: a new load should not show the old runtime for long.
    const moved = Math.abs(P - last) / Math.max(Math.abs(last), 1) > 0.2
    if (since < est.cfg.runtimeEvery_s) {
        if (!moved) return false
        if (since < 2) return false
    }
    est.lastRuntime_s = now_s
    est.runtimePower_W = P
    const c = est.chem
    est.walkPower_W = P
    est.walkEmpty = P > 0.2
    const g = e.groups
    let w: RuntimeWalk = undefined
    if (P > 0.2) w = new EmptyWalk(c, g, temp_C, P, MAX_RUNTIME_S)
    else if (P < -0.2) if (e.current_A < 0) w = new FullWalk(c, g, temp_C, -e.current_A, 1, c.maxCharge_mV / 1000, est.cfg.tailC * est.learner.q_Ah[0])
    est.walk = w
    // No walk to run (neither discharging nor charging): no runtimes.
    if (!w) publishRuntimes(est, -1, -1)
    return !!w
}

/** Advance the pending walk by at most `steps` steps; true when none is pending any more. */
export function advanceRuntimeWalk(est: BatteryEstimator, steps: number): boolean {
    const w = est.walk
    if (!w) return true
    if (!w.run(steps)) return false
    est.walk = undefined
    if (est.walkEmpty) publishRuntimes(est, w.result_s, -1)
    else publishRuntimes(est, -1, w.result_s)
    return true
}

/** Time to empty for a pack power alone (W) at `temp_C`, as a walk to advance; undefined before the start. */
export function emptyWalkFor(est: BatteryEstimator, power_W: number, temp_C: number): EmptyWalk {
    const e = est.last
    if (!e) return undefined
    return new EmptyWalk(est.chem, e.groups, temp_C, power_W, MAX_RUNTIME_S)
}

/** What must survive a restart. */
export function learnedState(est: BatteryEstimator): LearnedState {
    const l = est.learner
    const cal = est.cal
    const g = est.groups
    return {
        q_Ah: l.q_Ah.slice(0),
        qSigma_Ah: l.qVar.map(v => Math.sqrt(v)),
        rFactor: est.rFactor.slice(0),
        soc: g.map(f => f.soc),
        socSigma: g.map(f => filterSigma(f)),
        offset_A: cal.offset_A,
        offsetSigma_A: calOffsetSigma_A(cal),
        gain: cal.gain,
        gainSigma: calGainSigma(cal),
        dischargeAh: est.dischargeAh,
        energyIn_Wh: est.energyIn_Wh,
        energyOut_Wh: est.energyOut_Wh,
        capacityLearned: l.learned,
    }
}
