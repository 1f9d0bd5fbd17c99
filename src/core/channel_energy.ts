// Lifetime energy through one output and its daily quota, from the meter's hardware accumulator.
// The INA228 keeps counting while the MCU restarts, so the saved record holds both the lifetime figure and
// the accumulator it was read at: after an MCU restart nothing is lost; after a power loss (the meter restarts
// from zero) at most SAVE_J is. The figure never decreases: a smaller accumulator means the meter restarted
// (or, with its overflow flag, wrapped).

/** Saved every time the lifetime count grew this much (1 Wh): bounded flash writes, bounded loss. */
export const SAVE_J = 3600
export const DAY_ms = 86400000

/** One output's book. Its operations are the module functions below (a method costs prototype space). */
export class EnergyBook {
    /** Energy through the output since the box was built, J. */
    life_J = 0
    /** Energy since the quota day began, J, and how far into that day the box is. */
    day_J = 0
    dayAge_ms = 0
    /** Daily quota, Wh; 0 = none. */
    quota_Wh = 0
    acc_J = NaN
    saved_J = 0
    last_ms = -1
}

/** The saved record [life_J, acc_J, day_J, dayAge_ms], as `energySave()` made it; false if it is not one. */
export function energyRestore(b: EnergyBook, rec: any): boolean {
    if (!Array.isArray(rec)) return false
    if (rec.length !== 4) return false
    for (const v of rec) {
        if (typeof v !== "number") return false
        if (!(v >= 0)) return false
        if (v === Infinity) return false
    }
    b.life_J = rec[0]
    b.saved_J = rec[0]
    b.acc_J = rec[1]
    b.day_J = rec[2]
    b.dayAge_ms = Math.min(rec[3], DAY_ms)
    return true
}

export function energySave(b: EnergyBook): number[] {
    const life_J = b.life_J
    b.saved_J = life_J
    // No accumulator reading yet (NaN): saved as 0.
    let acc_J = b.acc_J
    if (!(acc_J === acc_J)) acc_J = 0
    return [Math.round(life_J), acc_J, Math.round(b.day_J), b.dayAge_ms]
}

/**
 * Follow the accumulator (J, NaN while the reading is stale); `wrap_J` is added when the meter says it
 * overflowed. Returns true when the record should be saved.
 */
export function energyUpdate(b: EnergyBook, acc_J: number, wrapped: boolean, wrap_J: number, now_ms: number): boolean {
    // Fields read into locals and written back (a compound assignment to a parameter's field costs more code).
    let dayAge_ms = b.dayAge_ms
    if (b.last_ms >= 0) dayAge_ms += now_ms - b.last_ms
    b.last_ms = now_ms
    let due = false
    if (dayAge_ms >= DAY_ms) {
        dayAge_ms -= DAY_ms
        b.day_J = 0
        due = true
    }
    b.dayAge_ms = dayAge_ms
    if (!(acc_J === acc_J)) return due
    let d = acc_J - b.acc_J
    // First reading with nothing saved: the meter's count so far is the output's (a new box).
    if (!(d === d)) d = acc_J
    else if (d < 0) {
        if (wrapped) d += wrap_J
        else d = acc_J
        // Save the new baseline now: a restart before the next SAVE_J must not read the old one.
        due = true
    }
    b.acc_J = acc_J
    const life_J = b.life_J + d
    b.life_J = life_J
    b.day_J = b.day_J + d
    if (life_J - b.saved_J >= SAVE_J) due = true
    return due
}
