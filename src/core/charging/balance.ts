// Which cells to bleed. Two ways, as the best BMSs do:
// * charge-based, at rest: from each cell's SOC and capacity, the charge it must lose so that every cell
//   reaches full together (plan() below); bleed exactly that, wherever the pack is (no need to wait for the
//   top, and no bleeding on a voltage that only reflects a cell's resistance under load);
// * voltage-based, near full while charging: cells more than TOP_SPREAD_mV above the lowest are bled, which
//   catches what the SOC estimates cannot see at the knee.
// The AFE must never bleed two adjacent cells at once (BQ76907: their bleed FETs share the cell between
// them), and bleeding heats the board: above BLEED_WARM_C only one cell at a time, none above BLEED_MAX_C.
// Portable. Cells are series groups, 0 = the bottom one.

/** Bleed per cell, mA: about V_cell / R_bal (hardware-facts section 2: ~50 mA with 2 x 33 ohm). */
export const BLEED_mA = 50
/** Below this excess (mAh) a cell counts as balanced (about 0.1 % of a 4 Ah cell). */
export const EXCESS_MIN_mAh = 4
/** Voltage-based top balancing: from this far below the maximum charge voltage, cells this far above the lowest. */
export const TOP_FROM_mV = 60
export const TOP_SPREAD_mV = 5
export const BLEED_WARM_C = 45
export const BLEED_MAX_C = 55

export interface BalanceInputs {
    /** Per cell: SOC (0..1) from the estimator, capacity (mAh), voltage (mV). */
    soc: number[]
    capacity_mAh: number[]
    cell_mV: number[]
    /** Per cell: the SOC's standard deviation (0..1); empty when the SOCs are exact (the plant's truth). */
    sigma: number[]
    /** At rest long enough for the SOCs to be OCV-anchored (the estimator's rest). */
    atRest: boolean
    charging: boolean
    maxCharge_mV: number
    /** The board (AFE die) temperature, °C. */
    temp_C: number
}

/**
 * Per-cell charge still to bleed, mAh: set from SOC differences at rest, counted down while bleeding.
 * A fresh plan replaces the old one at each rest (the estimate is newest then). Stepped by balanceStep (a
 * method would cost prototype space).
 */
export class BalancePlan {
    excess_mAh: number[] = []
    /** Cells bled in the last step, as a bit mask (bit 0 = bottom cell), and energy burnt so far, mWh. */
    mask = 0
    bled_mWh = 0
    /** Alternates which of two adjacent candidates goes first. */
    turn = 0
}

/** One decision over `dt_s`: account for what the last mask bled, then choose the next mask. */
export function balanceStep(b: BalancePlan, inp: BalanceInputs, dt_s: number): number {
    const n = inp.cell_mV.length
    const mask = b.mask
    const excess_mAh = b.excess_mAh
    let bled_mWh = b.bled_mWh
    // What the last mask bled.
    for (let i = 0; i < n; i++) {
        if (((mask >> i) & 1) === 0) continue
        const q_mAh = (BLEED_mA * dt_s) / 3600
        if (i < excess_mAh.length) excess_mAh[i] = Math.max(0, excess_mAh[i] - q_mAh)
        bled_mWh += (q_mAh * inp.cell_mV[i]) / 1000
    }
    b.bled_mWh = bled_mWh
    // The SOCs are trusted at rest (the last rest before a charge included: the plan's excess charges
    // stay true through any current the cells share).
    if (inp.atRest) b.excess_mAh = plan(inp)
    const turn = b.turn
    b.turn = turn + 1
    const next = chooseBleed(wanted(b.excess_mAh, inp), inp.temp_C, turn)
    b.mask = next
    return next
}

/**
 * The excess each cell should bleed, aligned at the top: cell i still takes (1 - soc_i) x Q_i to be full; the cell
 * that needs the most sets the pace, and every other bleeds the difference, so all reach full together. With equal
 * capacities this is the SOC difference times the capacity; with unequal ones it also covers the smaller cell
 * filling first, which is where a spread shows and a high cell is at risk.
 */
function plan(inp: BalanceInputs): number[] {
    const need: number[] = []
    let most = 0
    for (let i = 0; i < inp.soc.length; i++) {
        need.push((1 - inp.soc[i]) * inp.capacity_mAh[i])
        if (need[i] > most) most = need[i]
    }
    // Only what the estimate is sure of: each excess less the uncertainty of the two needs it compares (no
    // bleeding on estimation noise; the voltage-based top balancing finishes the job near full).
    const ex: number[] = []
    for (let i = 0; i < need.length; i++) {
        const u_mAh = i < inp.sigma.length ? inp.sigma[i] * inp.capacity_mAh[i] * Math.SQRT2 : 0
        ex.push(Math.max(0, most - need[i] - u_mAh))
    }
    return ex
}

/** Per cell, how much it should bleed now (0: not at all): the planned excess, or the top-balance spread. */
function wanted(excess_mAh: number[], inp: BalanceInputs): number[] {
    const n = inp.cell_mV.length
    const w: number[] = []
    let vMin = 1e9
    let vMax = -1e9
    for (const v of inp.cell_mV) {
        if (v < vMin) vMin = v
        if (v > vMax) vMax = v
    }
    const top = inp.charging && vMax >= inp.maxCharge_mV - TOP_FROM_mV
    for (let i = 0; i < n; i++) {
        const ex = i < excess_mAh.length ? excess_mAh[i] : 0
        let x = ex >= EXCESS_MIN_mAh ? ex : 0
        // Near full the voltages speak: a cell above the lowest by more than the spread bleeds.
        if (top) x = inp.cell_mV[i] - vMin > TOP_SPREAD_mV ? inp.cell_mV[i] - vMin : 0
        w.push(x)
    }
    return w
}

/**
 * A bleed mask from each cell's want (0: none): the largest first, never two adjacent cells, at most one
 * cell when warm, none when hot. `turn` breaks ties between neighbours so each gets its go.
 */
export function chooseBleed(want: number[], temp_C: number, turn: number): number {
    if (!(temp_C < BLEED_MAX_C)) return 0
    const most = temp_C >= BLEED_WARM_C ? 1 : want.length
    let mask = 0
    let count = 0
    const taken: boolean[] = []
    for (let i = 0; i < want.length; i++) taken.push(false)
    while (count < most) {
        let best = -1
        for (let i = 0; i < want.length; i++) {
            // Plain ifs rather than || and && chains: the same tests in less code.
            if (taken[i]) continue
            const w = want[i]
            if (w <= 0) continue
            // Never next to a cell already bleeding.
            if (i > 0) if (((mask >> (i - 1)) & 1) !== 0) continue
            if (((mask >> (i + 1)) & 1) !== 0) continue
            if (best >= 0) {
                const wb = want[best]
                // Negated: a NaN want never displaces the best.
                if (!(w >= wb)) continue
                // Equal wants: odd turns prefer the upper cell.
                if (w === wb) if (turn % 2 !== 1) continue
            }
            best = i
        }
        if (best < 0) break
        taken[best] = true
        mask |= 1 << best
        count++
    }
    return mask
}
