// Lifetime energy through one output and its daily quota, from the meter's hardware accumulator.
// The INA228 keeps counting while the MCU restarts, so the saved record holds both the lifetime figure and
// the accumulator it was read at: after an MCU restart nothing is lost; after a power loss (the meter restarts
// from zero) at most SAVE_J is. The figure never decreases: a smaller accumulator means the meter restarted
// (or, with its overflow flag, wrapped).

/** Saved every time the lifetime count grew this much (1 Wh): bounded flash writes, bounded loss. */
export const SAVE_J = 3600
export const DAY_ms = 86400000

export class EnergyBook {
    /** Energy through the output since the box was built, J. */
    life_J = 0
    /** Energy since the quota day began, J, and how far into that day the box is. */
    day_J = 0
    dayAge_ms = 0
    /** Daily quota, Wh; 0 = none. */
    quota_Wh = 0
    private acc_J = NaN
    private saved_J = 0
    private last_ms = -1

    /** The saved record [life_J, acc_J, day_J, dayAge_ms], as `save()` made it; false if it is not one. */
    restore(rec: any): boolean {
        if (!Array.isArray(rec)) return false
        if (rec.length !== 4) return false
        for (const v of rec) {
            if (typeof v !== "number") return false
            if (!(v >= 0)) return false
            if (v === Infinity) return false
        }
        this.life_J = rec[0]
        this.saved_J = rec[0]
        this.acc_J = rec[1]
        this.day_J = rec[2]
        this.dayAge_ms = Math.min(rec[3], DAY_ms)
        return true
    }

    save(): number[] {
        this.saved_J = this.life_J
        // No accumulator reading yet (NaN): saved as 0.
        let acc_J = this.acc_J
        if (!(acc_J === acc_J)) acc_J = 0
        return [Math.round(this.life_J), acc_J, Math.round(this.day_J), this.dayAge_ms]
    }

    /**
     * Follow the accumulator (J, NaN while the reading is stale); `wrap_J` is added when the meter says it
     * overflowed. Returns true when the record should be saved.
     */
    update(acc_J: number, wrapped: boolean, wrap_J: number, now_ms: number): boolean {
        if (this.last_ms >= 0) this.dayAge_ms += now_ms - this.last_ms
        this.last_ms = now_ms
        let due = false
        if (this.dayAge_ms >= DAY_ms) {
            this.dayAge_ms -= DAY_ms
            this.day_J = 0
            due = true
        }
        if (!(acc_J === acc_J)) return due
        let d = acc_J - this.acc_J
        // First reading with nothing saved: the meter's count so far is the output's (a new box).
        if (!(d === d)) d = acc_J
        else if (d < 0) {
            if (wrapped) d += wrap_J
            else d = acc_J
            // Save the new baseline now: a restart before the next SAVE_J must not read the old one.
            due = true
        }
        this.acc_J = acc_J
        this.life_J += d
        this.day_J += d
        if (this.life_J - this.saved_J >= SAVE_J) due = true
        return due
    }
}
