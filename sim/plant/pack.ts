// A series string of cells (sim/plant/cell.ts): each series group lumps `parallel` identical cells (capacity x P,
// resistances / P). Cell-to-cell spread from a seeded PRNG, one lumped thermal node, ageing, and the ground-truth
// queries the firmware's estimates are judged against. Current > 0 discharges.
//
// Two models share this code. "ideal" (the default, today's plant): OCV(SOC) + R0 only; no RC pairs, hysteresis,
// temperature dependence, charge inefficiency, self-discharge or ageing, so hand-computed closed forms hold exactly.
// "full": every effect on with the chemistry's values from cell.ts. Each optional field below overrides the
// value its model would give. Both models: SOC is never clamped (the OCV runs off steeply past 0 % and 100 %), the
// thermal node runs (in the ideal model nothing depends on it), and spread, weak and leaky cells apply if asked.
//
// A step (prepare(dt), then step(dt, I)): each group gives a Thevenin source over the step (RC pairs exact for a
// constant I; the full model, or any pack on a charger, also sees the OCV move over the step, theta-fitted: see
// Cell.prepare), so 1 ms .. 10 s steps are stable. The thermal node: C dT/dt = P - (T - T_amb) / Rth, integrated
// exactly for the step's heat P (cells' I^2 R0, RC and hysteresis losses, charge inefficiency, self-discharge, the
// wiring's I^2 R and any extra heat from the caller).
// Books: energyOut_J = sum of (solved terminal voltage x I x dt); heat_J = sum of that heat; throughput_C = sum of
// I x dt. Chemical energy released = energyOut_J + heat_J (checked in test/spec/plant.spec.ts).
//
// Ground truth (definitions; the firmware never sees these):
// - Series group i ("cell" i: its P cells lumped): cellSoc(i) (true, unclamped), cellCapacity_Ah(i) (true, after
//   ageing; the group's, i.e. P cells'), cellVoltage_V(i) (terminal voltage of the state after the last step, with
//   that step's current), cellTemperature_C(i) (the pack node plus the group's offset); cellVoltages_V() for all.
// - trueRemaining_Ah() = min_i(Q_i * SOC_i): charge the string can still deliver before its emptiest cell is empty.
// - trueRoom_Ah() = min_i(Q_i * (1 - SOC_i)): charge it can still take before its fullest cell is full.
// - trueCapacity_Ah() = remaining + room: the usable capacity of the string today (imbalance and ageing included).
// - trueSoc() = remaining / (remaining + room); for a balanced pack it equals the ordinary SOC.
// - timeToEmpty_s(P, Vcut): time until the first cell's terminal voltage reaches Vcut when the pack terminals
//   deliver a constant P from now on, at today's temperature; trueRemainingEnergy_Wh(P, Vcut) = P * that time.
// - timeToFull_s(I, Vcv, Iterm): CC at I until a cell reaches Vcv, then that cell is held at Vcv (CV) until the
//   current has tapered to Iterm (default I / 20).
// Both simulate a copy of the pack (clone(); thermal node and ageing frozen), capped at 30 days.
import { Cell, CellModel, arrheniusFactor, chemistryModel, isSimpleModel, ocvGridFor, ocvSlope, ocvTopSlope } from "./cell"
import { Rng } from "./rng"

export interface PackParams {
    chemistry: string
    series: number
    parallel: number
    /** Capacity of one cell, Ah. */
    cellCapacity_Ah: number
    /** Internal (ohmic) resistance R0 of one cell at 25 °C and mid SOC, ohms. */
    cellR0_Ohm: number
    /** Initial state of charge of every cell, 0..1. */
    initialSoc: number
    /** Interconnects, fuse, shunt and pack FETs, ohms. */
    wiring_Ohm: number

    /** "ideal" (default: today's exact model) or "full" (every effect, chemistry values). */
    model?: string
    /** OCV curve over an equally spaced SOC grid from 0 to 1 (at least 2 points). Default: the chemistry's. */
    ocvGrid_V?: number[]
    /** First RC pair of one cell: resistance (ohms) and time constant (s). Full default: table, scaled by capacity. Ideal: none. */
    cellR1_Ohm?: number
    cellTau1_s?: number
    /** Second RC pair of one cell. */
    cellR2_Ohm?: number
    cellTau2_s?: number
    /** Half-height of the hysteresis loop, volts (full: LFP 0.015, NMC 0). */
    hysteresis_V?: number
    /** SOC throughput over which hysteresis relaxes by 1/e (default 0.07). */
    hysteresisSoc?: number
    /** dOCV/dT, V/K (full: NMC -1e-4, LFP -5e-5; ideal 0). */
    ocvTempCoeff_V_per_K?: number
    /** Arrhenius activation energy of the resistances, J/mol (full 22000; ideal 0 = no temperature dependence). */
    activationEnergy_J_per_mol?: number
    /** Resistance factor at 0 % SOC and at 100 % SOC (full 1.4 and 1.25; ideal 1 and 1). */
    lowSocRFactor?: number
    highSocRFactor?: number
    /** Coulombic efficiency on charge (full: NMC 0.998, LFP 0.999; ideal 1). */
    chargeEfficiency?: number
    /** Self-discharge at 25 °C, fraction of capacity per day (full: NMC 0.025/30, LFP 0.015/30; ideal 0). */
    selfDischarge_perDay?: number
    /** Capacity lost per capacity-equivalent of throughput (full: NMC 2e-4, LFP 5e-5; ideal 0). */
    cycleFade?: number
    /** Calendar loss per day at 40 % SOC, 25 °C (full: NMC 0.04/365, LFP 0.02/365; ideal 0). */
    calendarFade_perDay?: number
    /** Resistance growth per fractional capacity loss (default 1.5). */
    resistanceGrowth?: number
    /** Start pre-aged: capacity as a fraction of as-built (default 1), resistance factor (default 1). */
    initialCapacityFraction?: number
    initialResistanceFactor?: number
    /** Cell-to-cell spread from a seeded PRNG (default false: every group identical). */
    spread?: boolean
    /** PRNG seed, integer 0 .. 2^31-1 (default 1). */
    seed?: number
    /** Spread sigmas (fractions): capacity 0.01 (clipped +/-3 %), R0 0.04 (clipped +/-10 %), initial SOC 0.015
     * (absolute, clipped at 3 sigma), self-discharge 0.3 (clipped at 3 sigma). */
    capacitySigma?: number
    r0Sigma?: number
    socSigma?: number
    selfDischargeSigma?: number
    /** Index of a leaky group (default none) and its self-discharge multiplier (default 4). */
    leakyCell?: number
    leakyFactor?: number
    /** Index of a weak group (default none) and its capacity factor (default 0.8). */
    weakCell?: number
    weakCapacityFactor?: number
    /** Initial SOC per series group (overrides initialSoc and the SOC spread). */
    initialSocs?: number[]
    /** Thermal node: heat capacity, J/K (default: cells' 16 (NMC) / 25 (LFP) J/K/Ah + 100 J/K for the box). */
    heatCapacity_J_per_K?: number
    /** Thermal resistance pack to ambient, K/W (default 3; 0 = pack held at ambient). */
    thermalResistance_K_per_W?: number
    /** Initial pack temperature (default: the plant's ambient; a bare Pack 25 °C). */
    initialTemperature_C?: number
    /** Per-group temperature offsets from the pack node, kelvin (default none). */
    cellTempOffsets_C?: number[]
}

/** Projections stop after this much simulated time. */
export const PROJECTION_CAP_S = 30 * 86400
/** Ageing is applied in batches of at least this much simulated time. */
export const AGEING_BATCH_S = 60

function opt(v: number, dflt: number): number {
    return v !== undefined ? v : dflt
}

/** Resolve the per-group shared model from PackParams (resistances of the RC pairs divided by P). */
export function cellModelFor(p: PackParams): CellModel {
    const c = chemistryModel(p.chemistry)
    const full = p.model === "full"
    if (p.model !== undefined && !full && p.model !== "ideal") throw new Error("unknown pack model " + p.model)
    const scale = c.refCapacity_Ah / p.cellCapacity_Ah
    const r1 = opt(p.cellR1_Ohm, full ? c.r1_Ohm * scale : 0)
    const r2 = opt(p.cellR2_Ohm, full ? c.r2_Ohm * scale : 0)
    const grid = p.ocvGrid_V ? p.ocvGrid_V : ocvGridFor(p.chemistry)
    return {
        ocvGrid_V: grid,
        ocvTopSlope_V_per_SOC: ocvTopSlope(grid, c.maxCharge_V),
        ocvTempCoeff_V_per_K: opt(p.ocvTempCoeff_V_per_K, full ? c.ocvTempCoeff_V_per_K : 0),
        r1_Ohm: r1 / p.parallel,
        tau1_s: opt(p.cellTau1_s, c.tau1_s),
        r2_Ohm: r2 / p.parallel,
        tau2_s: opt(p.cellTau2_s, c.tau2_s),
        hysteresis_V: opt(p.hysteresis_V, full ? c.hysteresis_V : 0),
        hysteresisSoc: opt(p.hysteresisSoc, c.hysteresisSoc),
        activationEnergy_J_per_mol: opt(p.activationEnergy_J_per_mol, full ? c.activationEnergy_J_per_mol : 0),
        lowSocRFactor: opt(p.lowSocRFactor, full ? c.lowSocRFactor : 1),
        highSocRFactor: opt(p.highSocRFactor, full ? c.highSocRFactor : 1),
        chargeEfficiency: opt(p.chargeEfficiency, full ? c.chargeEfficiency : 1),
        selfDischargeDoubling_K: c.selfDischargeDoubling_K,
        cycleFade: opt(p.cycleFade, full ? c.cycleFade : 0),
        calendarFade_perDay: opt(p.calendarFade_perDay, full ? c.calendarFade_perDay : 0),
        calendarSocCoeff: c.calendarSocCoeff,
        calendarActivation_J_per_mol: c.calendarActivation_J_per_mol,
        resistanceGrowth: opt(p.resistanceGrowth, c.resistanceGrowth),
        implicitOcv: full,
    }
}

/** Default heat capacity of the pack's thermal node, J/K. */
export function defaultHeatCapacity_J_per_K(p: PackParams): number {
    return chemistryModel(p.chemistry).heatCapacity_J_per_K_per_Ah * p.cellCapacity_Ah * p.series * p.parallel + 100
}

export class Pack {
    readonly p: PackParams
    readonly model: CellModel
    readonly cells: Cell[] = []
    /** Balancing bleed per series group, A (the AFE's bleed FETs; empty: none), and the energy it burnt, J. */
    bleed_A: number[] = []
    bleedEnergy_J = 0
    /** True SOC of each series group (a mirror of cells[i].soc, refreshed every step; read-only). */
    soc: number[] = []
    /** Charge drawn out of the pack so far, coulombs (negative while charging). */
    throughput_C = 0
    /** Energy delivered at the terminals, joules (booked at the solved terminal voltage). */
    energyOut_J = 0
    /** Heat generated in the cells and the wiring (plus any extra heat passed to step), joules. */
    heat_J = 0
    /** Current of the last step, amps (discharge positive). */
    current_A = 0
    /** The lumped thermal node. */
    temperature_C: number
    /** Ambient used when step() is not given one. */
    ambient_C: number
    readonly heatCapacity_J_per_K: number
    readonly thermalResistance_K_per_W: number
    /** False in projection copies: temperature held. */
    thermalEnabled = true
    /** False in projection copies (and when no ageing is configured). */
    ageingEnabled: boolean
    /** Thevenin source of the whole pack over the step prepared last: the bus is solved with v = E - I * R
     * (wiring included; RC pairs at the end of the step, the OCV move theta-fitted: Cell.prepare). */
    theveninE_V = 0
    theveninR_Ohm = 0

    private hasOffsets = false
    private hasSelfDischarge = false
    private preparedDt = -1
    private a1 = 0
    private a2 = 0
    private aDt = -1
    private aTh = 0
    private thDt = -1
    private fT = 1
    private sdT = 1
    private factorsT = -1000
    private ageClock_s = 0
    /** The cells' short path (cell.ts isSimpleModel), refreshed by setImplicitOcv. */
    private simple = false
    private tempFactors = false

    constructor(p: PackParams) {
        this.p = p
        if (!(p.series >= 1) || !(p.parallel >= 1)) throw new Error("pack needs series >= 1 and parallel >= 1")
        const m = cellModelFor(p)
        this.model = m
        const c = chemistryModel(p.chemistry)
        const full = p.model === "full"
        const sd0 = opt(p.selfDischarge_perDay, full ? c.selfDischarge_perDay : 0)
        const capF0 = opt(p.initialCapacityFraction, 1)
        const rF0 = opt(p.initialResistanceFactor, 1)
        const rng = p.spread ? new Rng(opt(p.seed, 1)) : undefined
        const sCap = opt(p.capacitySigma, 0.01)
        const sR0 = opt(p.r0Sigma, 0.04)
        const sSoc = opt(p.socSigma, 0.015)
        const sSd = opt(p.selfDischargeSigma, 0.3)
        const leaky = opt(p.leakyCell, -1)
        const weak = opt(p.weakCell, -1)
        for (let i = 0; i < p.series; i++) {
            let capF = 1
            let r0F = 1
            let socOff = 0
            let sdF = 1
            if (rng) {
                // always four draws per group in this order, so one sigma never reshuffles the others
                capF = 1 + clip(sCap * rng.gaussian(), 0.03)
                r0F = 1 + clip(sR0 * rng.gaussian(), 0.1)
                socOff = sSoc * rng.clippedGaussian(3)
                sdF = 1 + sSd * rng.clippedGaussian(3)
                if (sdF < 0) sdF = 0
            }
            if (i === weak) capF = capF * opt(p.weakCapacityFactor, 0.8)
            if (i === leaky) sdF = sdF * opt(p.leakyFactor, 4)
            const soc = p.initialSocs ? p.initialSocs[i] : p.initialSoc + socOff
            const cell = new Cell(m, p.cellCapacity_Ah * p.parallel * capF, (p.cellR0_Ohm / p.parallel) * r0F, sd0 * sdF, soc, capF0, rF0)
            this.cells.push(cell)
            this.soc.push(soc)
        }
        this.ageingEnabled = m.cycleFade > 0 || m.calendarFade_perDay > 0
        this.heatCapacity_J_per_K = opt(p.heatCapacity_J_per_K, defaultHeatCapacity_J_per_K(p))
        this.thermalResistance_K_per_W = opt(p.thermalResistance_K_per_W, 3)
        this.temperature_C = opt(p.initialTemperature_C, 25)
        this.ambient_C = this.temperature_C
        const off = p.cellTempOffsets_C
        for (let i = 0; i < this.cells.length; i++) {
            const cell = this.cells[i]
            if (off && off[i] !== undefined && off[i] !== 0) {
                cell.tempOffset_C = off[i]
                this.hasOffsets = true
            }
            if (cell.selfDischarge_perDay > 0) this.hasSelfDischarge = true
        }
        this.simple = isSimpleModel(m)
        this.tempFactors = m.activationEnergy_J_per_mol !== 0 || this.hasSelfDischarge
    }

    /** Linearise the OCV over each step (see CellModel.implicitOcv); the plant turns it on with a charger. */
    setImplicitOcv(on: boolean): void {
        this.model.implicitOcv = on
        this.simple = isSimpleModel(this.model)
    }

    /** A deep copy: same parameters (and spread), same state. */
    clone(): Pack {
        const c = new Pack(this.p)
        for (let i = 0; i < this.cells.length; i++) {
            c.cells[i].copyFrom(this.cells[i])
            c.soc[i] = this.cells[i].soc
        }
        c.setImplicitOcv(this.model.implicitOcv)
        c.throughput_C = this.throughput_C
        c.energyOut_J = this.energyOut_J
        c.heat_J = this.heat_J
        c.current_A = this.current_A
        c.temperature_C = this.temperature_C
        c.ambient_C = this.ambient_C
        c.thermalEnabled = this.thermalEnabled
        c.ageingEnabled = this.ageingEnabled
        c.ageClock_s = this.ageClock_s
        return c
    }

    /** Set the pack temperature, e.g. to start at ambient. */
    setTemperature(t_C: number): void {
        this.temperature_C = t_C
    }

    /** Nameplate capacity of the pack (cell capacity x P), Ah. The truth is trueCapacity_Ah(). */
    capacity_Ah(): number {
        return this.p.cellCapacity_Ah * this.p.parallel
    }

    /** Rest (equilibrium) voltage: sum over groups of OCV(SOC, T) + hysteresis. */
    ocv_V(): number {
        let v = 0
        for (const c of this.cells) v += c.equilibrium_V(this.temperature_C + c.tempOffset_C)
        return v
    }

    /** Ohmic resistance now (R0 of every group with its temperature, SOC and ageing factors, plus wiring), ohms. */
    resistance_Ohm(): number {
        let r = this.p.wiring_Ohm
        for (const c of this.cells) r += c.ohmic_Ohm(this.cellFT(c))
        return r
    }

    /** Instantaneous terminal voltage if `current_A` flowed now: rest voltages - RC voltages - I * R. */
    terminal_V(current_A: number): number {
        let v = -current_A * this.p.wiring_Ohm
        for (const c of this.cells) v += c.restVoltage_V(this.temperature_C + c.tempOffset_C) - current_A * c.ohmic_Ohm(this.cellFT(c))
        return v
    }

    /** Mean SOC of the series groups. */
    meanSoc(): number {
        let s = 0
        for (const c of this.cells) s += c.soc
        return s / this.cells.length
    }

    private updateFactors(): void {
        if (!this.tempFactors) return
        const t = this.temperature_C
        if (t === this.factorsT) return
        this.factorsT = t
        const m = this.model
        if (m.activationEnergy_J_per_mol !== 0) this.fT = arrheniusFactor(m.activationEnergy_J_per_mol, t)
        if (this.hasSelfDischarge) this.sdT = Math.exp((0.6931471805599453 * (t - 25)) / m.selfDischargeDoubling_K)
    }

    private cellFT(c: Cell): number {
        if (this.hasOffsets) return arrheniusFactor(this.model.activationEnergy_J_per_mol, this.temperature_C + c.tempOffset_C)
        this.updateFactors()
        return this.fT
    }

    /** Compute the pack's Thevenin source for a step of dt (theveninE_V, theveninR_Ohm incl. wiring). */
    prepare(dt_s: number): void {
        const m = this.model
        if (dt_s !== this.aDt) {
            this.a1 = m.tau1_s > 0 ? Math.exp(-dt_s / m.tau1_s) : 0
            this.a2 = m.tau2_s > 0 ? Math.exp(-dt_s / m.tau2_s) : 0
            this.aDt = dt_s
        }
        this.updateFactors()
        let e = 0
        let r = this.p.wiring_Ohm
        const t = this.temperature_C
        const a1 = this.a1
        const a2 = this.a2
        const cells = this.cells
        const n = cells.length
        const simple = this.simple
        if (this.hasOffsets) {
            for (let i = 0; i < n; i++) {
                const c = cells[i]
                const tc = t + c.tempOffset_C
                c.prepare(dt_s, a1, a2, arrheniusFactor(m.activationEnergy_J_per_mol, tc), tc, simple)
                e += c.e_V
                r += c.r_Ohm
            }
        } else {
            const fT = this.fT
            for (let i = 0; i < n; i++) {
                const c = cells[i]
                c.prepare(dt_s, a1, a2, fT, t, simple)
                e += c.e_V
                r += c.r_Ohm
            }
        }
        this.theveninE_V = e
        this.theveninR_Ohm = r
        this.preparedDt = dt_s
    }

    /**
     * Advance by dt at pack current I (discharge positive). `ambient_C` drives the thermal node (default: this
     * pack's ambient_C); `extraHeat_W` is other heat in the same box (e.g. the outputs' switch and shunt losses).
     */
    step(dt_s: number, current_A: number, ambient_C?: number, extraHeat_W?: number): void {
        if (this.preparedDt !== dt_s) this.prepare(dt_s)
        this.preparedDt = -1
        // Book the energy at the voltage the bus was solved with, before the charge moves.
        this.energyOut_J += (this.theveninE_V - current_A * this.theveninR_Ohm) * current_A * dt_s
        let heat = current_A * current_A * this.p.wiring_Ohm * dt_s
        if (extraHeat_W !== undefined) heat += extraHeat_W * dt_s
        const ageing = this.ageingEnabled
        const cells = this.cells
        const n = cells.length
        const a1 = this.a1
        const a2 = this.a2
        const sdT = this.sdT
        const simple = this.simple
        const bleed = this.bleed_A
        for (let i = 0; i < n; i++) {
            const c = cells[i]
            // A balancing bleed draws from its cell alone; its heat is the resistor's, on the board.
            const b = i < bleed.length ? bleed[i] : 0
            if (b > 0) this.bleedEnergy_J += b * this.cellVoltage_V(i) * dt_s
            heat += c.advance(dt_s, current_A + b, a1, a2, sdT, ageing, simple)
            this.soc[i] = c.soc
        }
        this.throughput_C += current_A * dt_s
        this.current_A = current_A
        this.heat_J += heat
        if (this.thermalEnabled) {
            const amb = ambient_C !== undefined ? ambient_C : this.ambient_C
            this.ambient_C = amb
            const rth = this.thermalResistance_K_per_W
            const cth = this.heatCapacity_J_per_K
            if (rth > 0 && cth > 0) {
                if (dt_s !== this.thDt) {
                    this.aTh = Math.exp(-dt_s / (rth * cth))
                    this.thDt = dt_s
                }
                const target = amb + (heat / dt_s) * rth
                this.temperature_C = target + (this.temperature_C - target) * this.aTh
            } else this.temperature_C = amb
        }
        if (ageing) {
            this.ageClock_s += dt_s
            if (this.ageClock_s >= AGEING_BATCH_S) this.flushAgeing()
        }
    }

    /** Apply the ageing accumulated since the last batch now (it is otherwise applied every AGEING_BATCH_S). */
    flushAgeing(): void {
        if (this.ageClock_s <= 0 && !this.anyPendingAh()) return
        for (const c of this.cells) c.applyAgeing(this.ageClock_s, this.temperature_C + c.tempOffset_C)
        this.ageClock_s = 0
    }

    private anyPendingAh(): boolean {
        for (const c of this.cells) if (c.pendingAh > 0) return true
        return false
    }

    // ---------------- ground truth ----------------

    cellSoc(i: number): number {
        return this.cells[i].soc
    }

    /** True capacity of series group i today (P cells, after ageing), Ah. */
    cellCapacity_Ah(i: number): number {
        return this.cells[i].capacity_Ah
    }

    /** Terminal voltage of group i: its state after the last step with the last step's current (at rest before
     * any step): OCV(SOC, T) + H - I * R0 * k - V1 - V2, volts. */
    cellVoltage_V(i: number): number {
        const c = this.cells[i]
        return c.terminal_V(this.temperature_C + c.tempOffset_C)
    }

    cellTemperature_C(i: number): number {
        return this.temperature_C + this.cells[i].tempOffset_C
    }

    cellVoltages_V(): number[] {
        const out: number[] = []
        for (let i = 0; i < this.cells.length; i++) out.push(this.cellVoltage_V(i))
        return out
    }

    minCellVoltage_V(): number {
        let v = this.cellVoltage_V(0)
        for (let i = 1; i < this.cells.length; i++) {
            const x = this.cellVoltage_V(i)
            if (x < v) v = x
        }
        return v
    }

    maxCellVoltage_V(): number {
        let v = this.cellVoltage_V(0)
        for (let i = 1; i < this.cells.length; i++) {
            const x = this.cellVoltage_V(i)
            if (x > v) v = x
        }
        return v
    }

    trueRemaining_Ah(): number {
        let r = this.cells[0].capacity_Ah * this.cells[0].soc
        for (const c of this.cells) {
            const x = c.capacity_Ah * c.soc
            if (x < r) r = x
        }
        return r
    }

    trueRoom_Ah(): number {
        let r = this.cells[0].capacity_Ah * (1 - this.cells[0].soc)
        for (const c of this.cells) {
            const x = c.capacity_Ah * (1 - c.soc)
            if (x < r) r = x
        }
        return r
    }

    trueCapacity_Ah(): number {
        return this.trueRemaining_Ah() + this.trueRoom_Ah()
    }

    trueSoc(): number {
        const rem = this.trueRemaining_Ah()
        const d = rem + this.trueRoom_Ah()
        return d > 0 ? rem / d : 0
    }

    private projectionCopy(): Pack {
        const c = this.clone()
        c.thermalEnabled = false
        c.ageingEnabled = false
        c.setImplicitOcv(true)
        return c
    }

    private minCapacity_Ah(): number {
        let q = this.cells[0].capacity_Ah
        for (const c of this.cells) if (c.capacity_Ah < q) q = c.capacity_Ah
        return q
    }

    /**
     * Seconds until the first group's terminal voltage reaches `cutoffPerCell_V` at a constant `power_W` out of
     * the pack terminals (0 if it is already there; PROJECTION_CAP_S if not within 30 days; the time so far if
     * the pack can no longer deliver that power). Steps grow from 1 s up to `socStep` of SOC (default 0.2 %)
     * or 600 s; the crossing is interpolated within the last step.
     */
    timeToEmpty_s(power_W: number, cutoffPerCell_V: number, socStep?: number): number {
        const dSoc = socStep !== undefined ? socStep : 0.002
        const c = this.projectionCopy()
        let vPrev = c.cells[0].restVoltage_V(c.temperature_C + c.cells[0].tempOffset_C)
        for (const cell of c.cells) {
            const v = cell.restVoltage_V(c.temperature_C + cell.tempOffset_C)
            if (v < vPrev) vPrev = v
        }
        if (vPrev <= cutoffPerCell_V) return 0
        const q = c.minCapacity_Ah()
        let t = 0
        let dt = 1
        while (t < PROJECTION_CAP_S) {
            if (t + dt > PROJECTION_CAP_S) dt = PROJECTION_CAP_S - t
            c.prepare(dt)
            const e = c.theveninE_V
            const r = c.theveninR_Ohm
            let i = 0
            if (power_W > 0) {
                if (!(e > 0)) return t
                if (r > 1e-12) {
                    const disc = e * e - 4 * r * power_W
                    if (disc < 0) return t
                    i = (e - Math.sqrt(disc)) / (2 * r)
                } else i = power_W / e
            }
            c.step(dt, i)
            const v = c.minCellVoltage_V()
            if (v <= cutoffPerCell_V) {
                let f = vPrev > v ? (vPrev - cutoffPerCell_V) / (vPrev - v) : 1
                if (f < 0) f = 0
                if (f > 1) f = 1
                return t + f * dt
            }
            vPrev = v
            t += dt
            let next = dt * 1.5
            if (i > 1e-9) {
                const lim = (dSoc * q * 3600) / i
                if (next > lim) next = lim
            }
            if (next > 600) next = 600
            if (next < 0.01) next = 0.01
            dt = next
        }
        return PROJECTION_CAP_S
    }

    /** Energy the pack terminals deliver at a constant `power_W` until the first cell reaches the cut-off, Wh. */
    trueRemainingEnergy_Wh(power_W: number, cutoffPerCell_V: number, socStep?: number): number {
        return (power_W * this.timeToEmpty_s(power_W, cutoffPerCell_V, socStep)) / 3600
    }

    /**
     * Seconds to charge: CC at `current_A` until a group's terminal voltage reaches `cvPerCell_V`, then CV (the
     * current that holds the most limiting group at cvPerCell_V) until it has tapered to `termination_A`
     * (default current_A / 20). In CV the step is at most 1 % (scaled by socStep / 0.002) of the limiting
     * group's time constant 3600 * Q * R / (dOCV/dSOC).
     */
    timeToFull_s(current_A: number, cvPerCell_V: number, termination_A?: number, socStep?: number): number {
        const term = termination_A !== undefined ? termination_A : current_A / 20
        const dSoc = socStep !== undefined ? socStep : 0.002
        const c = this.projectionCopy()
        const q = c.minCapacity_Ah()
        let t = 0
        let dt = 1
        let xPrev = 0
        let dtPrev = 0
        while (t < PROJECTION_CAP_S) {
            if (t + dt > PROJECTION_CAP_S) dt = PROJECTION_CAP_S - t
            c.prepare(dt)
            let x = current_A
            let cv = false
            let lim: Cell = undefined
            for (const cell of c.cells) {
                if (cell.r_Ohm > 1e-12) {
                    const y = (cvPerCell_V - cell.e_V) / cell.r_Ohm
                    if (y < x) {
                        x = y
                        cv = true
                        lim = cell
                    }
                } else if (cell.e_V >= cvPerCell_V) {
                    x = 0
                    cv = true
                }
            }
            if (x < 0) x = 0
            if (!cv && x > 0) {
                // CC: end the step about where the first group reaches Vcv, so CV starts on time
                let tHit = dt
                for (const cell of c.cells) {
                    const rate = (x * ocvSlope(c.model.ocvGrid_V, cell.soc, c.model.ocvTopSlope_V_per_SOC)) / (3600 * cell.capacity_Ah)
                    const room = cvPerCell_V - (cell.e_V + x * cell.r_Ohm)
                    if (rate > 0 && room < rate * tHit) tHit = room / rate
                }
                if (tHit < dt && dt > 0.5) {
                    dt = tHit > 0.5 ? tHit : 0.5
                    continue
                }
            }
            if (cv && x <= term) {
                // x is a step's mean current (about its value mid-step) and the taper is close to exponential:
                // place the crossing between the last two mid-steps on a log scale
                if (xPrev > term && x > 0) {
                    const m0 = t - dtPrev / 2
                    return m0 + ((t + dt / 2 - m0) * Math.log(xPrev / term)) / Math.log(xPrev / x)
                }
                return t
            }
            c.step(dt, -x)
            xPrev = x
            dtPrev = dt
            t += dt
            let next = dt * 1.5
            if (x > 1e-9) {
                const l = (dSoc * q * 3600) / x
                if (next > l) next = l
            }
            if (cv && lim) {
                const rDc = (lim.r0_Ohm + c.model.r1_Ohm + c.model.r2_Ohm) * lim.k
                const b = ocvSlope(c.model.ocvGrid_V, lim.soc, c.model.ocvTopSlope_V_per_SOC)
                const tau = b > 1e-6 ? (3600 * lim.capacity_Ah * rDc) / b : 600
                const l = tau * 5 * dSoc
                if (next > l) next = l
            }
            if (next > 600) next = 600
            if (next < 0.01) next = 0.01
            dt = next
        }
        return PROJECTION_CAP_S
    }
}

function clip(x: number, lim: number): number {
    if (x > lim) return lim
    if (x < -lim) return -lim
    return x
}
