// One fault's judgement over time: debounce before it trips, hysteresis and a hold before it releases,
// a back-off that doubles with each trip, and latching for the faults a person must clear.
// Portable. A value of NaN means "not measured now" (a channel that is off, a stale sensor): it neither
// trips nor counts as clear of a latched fault, but it lets an automatic fault release.
import { FaultRule } from "./rules"

/** What one evaluation changed. */
export const FAULT_NONE = 0
export const FAULT_TRIPPED = 1
export const FAULT_RELEASED = 2

const MAX_DOUBLINGS = 4

/** How long a value must stay past its release threshold before a fault may release (every rule). */
export const RELEASE_HOLD_ms = 2000

export class FaultState {
    readonly rule: FaultRule
    active = false
    /** Latched: stays active until a person clears it, even once the condition is gone. */
    latched = false
    /** The value at the trip, for the log. */
    tripValue = 0
    trippedAt_ms = -1
    trips = 0
    private pending_ms = -1
    private clear_ms = -1
    private retryAt_ms = 0

    constructor(r: FaultRule) {
        this.rule = r
    }

    /** Judge one value at now_ms. */
    evaluate(v: number, now_ms: number): number {
        const r = this.rule
        const measured = v === v
        if (!this.active) {
            if (measured && (r.above ? v > r.trip : v < r.trip)) {
                if (this.pending_ms < 0) this.pending_ms = now_ms
                if (now_ms - this.pending_ms >= r.debounce_ms) {
                    this.active = true
                    this.latched = r.latching
                    this.tripValue = v
                    this.trippedAt_ms = now_ms
                    this.trips++
                    this.clear_ms = -1
                    let d = r.retry_ms
                    for (let k = 1; k < this.trips && k <= MAX_DOUBLINGS; k++) d = d * 2
                    this.retryAt_ms = now_ms + d
                    return FAULT_TRIPPED
                }
            } else this.pending_ms = -1
            return FAULT_NONE
        }
        // Active: is the condition gone, past the release threshold, for long enough?
        const clear = measured ? (r.above ? v < r.release : v > r.release) : !this.latched
        if (!clear) {
            this.clear_ms = -1
            return FAULT_NONE
        }
        if (this.clear_ms < 0) this.clear_ms = now_ms
        if (this.latched) return FAULT_NONE
        if (now_ms - this.clear_ms >= RELEASE_HOLD_ms && now_ms >= this.retryAt_ms) {
            this.active = false
            this.pending_ms = -1
            this.clear_ms = -1
            return FAULT_RELEASED
        }
        return FAULT_NONE
    }

    /** A person's clear: accepted only once the condition has been gone for the release hold. */
    clearLatch(now_ms: number): string {
        if (!this.active) return "not active"
        if (!this.latched) return "clears by itself once the condition is gone"
        if (this.clear_ms < 0 || now_ms - this.clear_ms < RELEASE_HOLD_ms) return "the condition is still present"
        this.latched = false
        this.active = false
        this.pending_ms = -1
        this.clear_ms = -1
        return ""
    }

    /** Latched again after a restart (the value at the trip is in the log, not here). */
    relatch(now_ms: number): void {
        this.active = true
        this.latched = true
        this.trippedAt_ms = now_ms
        this.clear_ms = -1
    }
}
