// Runtime predictions. Time to empty walks the pack down in small charge steps at a constant power,
// with each group's voltage under that load (OCV minus the current times its steady-state resistance at
// the present temperature), until the first group reaches the cut-off: the energy the pack can really
// deliver at that load, not a label capacity divided by a guess. Time to full walks up at the charge
// current to the charger's constant-voltage point, then adds the taper.
//
// VM budget: a slice may run about 128 K bytecode ops (fatal beyond), and one step of a 6S walk costs about
// 1 K. So walks are objects advanced a few steps at a time with a yield in between (RUNTIME_STEPS_PER_SLICE),
// in steps of 2 % of the smallest group with the trapezoid rule (as accurate as 1 % steps with the
// rectangle rule), with each group's temperature factor computed once per walk.
import { Chemistry, arrhenius, ocvAt_mV, socResistanceFactor } from "./chemistry"

export interface RuntimeGroup {
    soc: number
    q_Ah: number
    /** Learned ohmic resistance (R0) relative to the chemistry's typical one. */
    rFactor: number
}

/** Charge per step, as a fraction of the smallest group. */
const STEP_FRACTION = 0.02
/** 100 % down to the cut-off is 50 steps; the rest covers SOC past the table's ends. */
const MAX_STEPS = 80
/** Steps per VM slice: about 10 K ops for a 6S pack. */
export const RUNTIME_STEPS_PER_SLICE = 10

/** A runtime walk that can be advanced a few steps at a time, so the VM can yield between pieces. */
export interface RuntimeWalk {
    /** Advance at most `steps` steps; true once `result_s` is final. */
    run(steps: number): boolean
    /** Seconds, or -1 when there is nothing to predict. */
    result_s: number
}

/**
 * What both walks share: the groups' SOCs as they walk, their base resistances (steady state at 50 % SOC and
 * `temp_C`: R0 learned plus both RC pairs, ohm), the smallest group's capacity and the charge of one step,
 * the step count and clock. `drive` is the walk's power or current: nothing to walk unless it is positive.
 */
abstract class Walk implements RuntimeWalk {
    result_s = -1
    // Not `protected`: the module functions finish() and advance() use these too.
    soc: number[]
    protected rBase: number[]
    protected qMin: number
    protected dAh: number
    k = 0
    protected t = 0
    finished: boolean

    constructor(protected c: Chemistry, public groups: RuntimeGroup[], temp_C: number, drive: number) {
        const a = arrhenius(c, temp_C) / 1000
        const soc: number[] = []
        const rBase: number[] = []
        let q = groups[0].q_Ah
        for (const g of groups) {
            soc.push(g.soc)
            rBase.push(((c.r0_mOhmAh * g.rFactor + c.r1_mOhmAh + c.r2_mOhmAh) * a) / g.q_Ah)
            q = Math.min(q, g.q_Ah)
        }
        this.soc = soc
        this.rBase = rBase
        this.qMin = q
        this.dAh = q * STEP_FRACTION
        this.finished = !(drive > 0)
    }

    run(steps: number): boolean {
        for (let s = 0; s < steps; s++) {
            if (this.finished) break
            if (this.k < MAX_STEPS) this.step()
            else finish(this, this.t)
        }
        return this.finished
    }

    protected abstract step(): void
}

/** End a walk with its result, s. */
function finish(w: Walk, t: number): void {
    w.result_s = t
    w.finished = true
}

/** Move every group by `dAh` (Ah out of the pack; negative: into it) and count the step. */
function advance(w: Walk, dAh: number): void {
    const soc = w.soc
    const groups = w.groups
    for (let i = 0; i < soc.length; i++) soc[i] = soc[i] - dAh / groups[i].q_Ah
    w.k = w.k + 1
}

/**
 * Time until the first group reaches the cut-off at a constant pack power (W, from the pack); -1 when
 * nothing is drawn. Capped at maxSeconds.
 */
export class EmptyWalk extends Walk {
    /** The last step's margin above the cut-off (V; Infinity before the first), its time and current. */
    private prevMargin = Infinity
    private prevT: number
    private prevI: number

    constructor(c: Chemistry, groups: RuntimeGroup[], temp_C: number, private power_W: number, private maxSeconds: number) {
        super(c, groups, temp_C, power_W)
    }

    protected step(): void {
        const soc = this.soc
        // Each group's OCV (V) and resistance (ohm) at this step.
        const ocv: number[] = []
        const res: number[] = []
        const n = soc.length
        let t = this.t
        let e = 0
        let r = 0
        for (let i = 0; i < n; i++) {
            const o = ocvAt_mV(this.c, soc[i]) / 1000
            const x = this.rBase[i] * socResistanceFactor(soc[i])
            ocv.push(o)
            res.push(x)
            e += o
            r += x
        }
        const disc = e * e - 4 * r * this.power_W
        if (disc < 0) return finish(this, t) // the pack can no longer deliver this power
        const I = (e - Math.sqrt(disc)) / (2 * r)
        // The step that led here took its charge at the mean of 1/I at its ends (trapezoid rule).
        if (this.k > 0) t += (this.dAh * 3600 * (1 / this.prevI + 1 / I)) / 2
        this.t = t
        const cutoff = this.c.cutoff_mV / 1000
        let margin = Infinity
        for (let i = 0; i < n; i++) margin = Math.min(margin, ocv[i] - I * res[i] - cutoff)
        if (margin <= 0) {
            // Interpolate between the last step above the cut-off and this one.
            const pm = this.prevMargin
            const pt = this.prevT
            if (pm < Infinity) if (pm > 0) t = pt + ((t - pt) * pm) / (pm - margin)
            return finish(this, Math.min(t, this.maxSeconds))
        }
        // (A walk that goes on stops here: the clock it ends with never passes maxSeconds.)
        if (t > this.maxSeconds) return finish(this, this.maxSeconds)
        this.prevMargin = margin
        this.prevT = t
        this.prevI = I
        advance(this, this.dAh)
    }
}

/**
 * Time to charge from now to `targetSoc` (the highest group) at `current_A`, with the charger's
 * constant-voltage limit `cvPerCell_V`; the taper below it ends at `tail_A`. -1 when not charging.
 */
export class FullWalk extends Walk {
    constructor(c: Chemistry, groups: RuntimeGroup[], temp_C: number, private current_A: number, private targetSoc: number, private cvPerCell_V: number, private tail_A: number) {
        super(c, groups, temp_C, current_A)
    }

    protected step(): void {
        const soc = this.soc
        const I = this.current_A
        const target = this.targetSoc
        const t = this.t
        let sMax = soc[0]
        let vMax = 0
        for (let i = 0; i < soc.length; i++) {
            const s = soc[i]
            sMax = Math.max(sMax, s)
            vMax = Math.max(vMax, ocvAt_mV(this.c, s) / 1000 + I * this.rBase[i] * socResistanceFactor(s))
        }
        if (sMax >= target) return finish(this, t)
        if (vMax >= this.cvPerCell_V) {
            // Constant voltage: the current decays roughly exponentially while the remaining charge goes in.
            const remaining_Ah = (target - sMax) * this.qMin
            const tau_s = (remaining_Ah * 3600) / I
            const tail = this.tail_A
            return finish(this, t + tau_s * Math.log(Math.max(I / (tail > 0 ? tail : I * 0.05), 1)))
        }
        this.t = t + (this.dAh * 3600) / I
        advance(this, -this.dAh)
    }
}

/** EmptyWalk in one go (Node tools and tests; the firmware advances walks a slice at a time). */
export function timeToEmpty_s(c: Chemistry, groups: RuntimeGroup[], temp_C: number, power_W: number, maxSeconds: number): number {
    const w = new EmptyWalk(c, groups, temp_C, power_W, maxSeconds)
    w.run(MAX_STEPS + 1)
    return w.result_s
}

/** FullWalk in one go. */
export function timeToFull_s(c: Chemistry, groups: RuntimeGroup[], temp_C: number, current_A: number, targetSoc: number, cvPerCell_V: number, tail_A: number): number {
    const w = new FullWalk(c, groups, temp_C, current_A, targetSoc, cvPerCell_V, tail_A)
    w.run(MAX_STEPS + 1)
    return w.result_s
}
