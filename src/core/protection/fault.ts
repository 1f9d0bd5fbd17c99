// One fault's judgement over time: debounce before it trips, hysteresis and a hold before it releases,
// a back-off that doubles with each trip, and latching for the faults a person must clear.
// Portable. A value of NaN means "not measured now" (a channel that is off, a stale sensor): it neither
// trips nor counts as clear of a latched fault, but it lets an automatic fault release.
//
// A fault is one array of numbers (its rule's thresholds, then its state), indexed by FF below: on the
// DeviceScript heap an object costs about 20 bytes a field and an array 8 bytes an element, and a box
// with six outputs judges over forty faults (docs/design.md, "memory").

/** What one evaluation changed. */
export const FAULT_NONE = 0
export const FAULT_TRIPPED = 1
export const FAULT_RELEASED = 2

/** The fields of a fault record. */
export enum FF {
    /** Trip threshold, and the value that must be passed (hysteresis) before it may release. */
    TRIP = 0,
    RELEASE = 1,
    DEBOUNCE_ms = 2,
    /** First automatic retry delay; doubles with each trip, up to MAX_DOUBLINGS times. 0: release once clear. */
    RETRY_ms = 3,
    /** FLAG_* bits, the action (ACTION_* in rules.ts) and the quantity judged (Q_*). */
    FLAGS = 4,
    /** -1 for the pack; the output otherwise. */
    CHANNEL = 5,
    /** 1 while the fault holds; latched: it stays until a person clears it. */
    ACTIVE = 6,
    LATCHED = 7,
    /** The value at the trip (the log has it too, with its time). */
    TRIP_VALUE = 8,
    TRIPS = 9,
    PENDING_ms = 10,
    CLEAR_ms = 11,
    RETRY_AT_ms = 12,
}

/** FLAGS: the fault is a value above the trip (else below); a person must clear it. */
export const FLAG_ABOVE = 1
export const FLAG_LATCHING = 2
const ACTION_SHIFT = 2
const QUANTITY_SHIFT = 5

const MAX_DOUBLINGS = 4

/** How long a value must stay past its release threshold before a fault may release (every rule). */
export const RELEASE_HOLD_ms = 2000

/** A fault record, inactive: `flags` from faultFlags(). */
export function faultRecord(flags: number, trip: number, release: number, debounce_ms: number, retry_ms: number, channel: number): number[] {
    return [trip, release, debounce_ms, retry_ms, flags, channel, 0, 0, 0, 0, -1, -1, 0]
}

export function faultFlags(above: boolean, latching: boolean, action: number, quantity: number): number {
    return (above ? FLAG_ABOVE : 0) | (latching ? FLAG_LATCHING : 0) | (action << ACTION_SHIFT) | (quantity << QUANTITY_SHIFT)
}

export function faultAction(f: number[]): number {
    return (f[FF.FLAGS] >> ACTION_SHIFT) & 7
}

export function faultQuantity(f: number[]): number {
    return f[FF.FLAGS] >> QUANTITY_SHIFT
}

/** Judge one value at now_ms. */
export function evaluateFault(f: number[], v: number, now_ms: number): number {
    const above = (f[FF.FLAGS] & FLAG_ABOVE) !== 0
    const measured = v === v
    if (f[FF.ACTIVE] === 0) {
        // Beyond the trip threshold (a NaN value, not measured, never is: its compares are false).
        const trip = f[FF.TRIP]
        let beyond = v < trip
        if (above) beyond = v > trip
        if (beyond) {
            if (f[FF.PENDING_ms] < 0) f[FF.PENDING_ms] = now_ms
            if (now_ms - f[FF.PENDING_ms] >= f[FF.DEBOUNCE_ms]) {
                f[FF.ACTIVE] = 1
                f[FF.LATCHED] = (f[FF.FLAGS] >> 1) & 1 // FLAG_LATCHING
                f[FF.TRIP_VALUE] = v
                const trips = f[FF.TRIPS] + 1
                f[FF.TRIPS] = trips
                f[FF.CLEAR_ms] = -1
                // The retry wait doubles with each trip, at most MAX_DOUBLINGS times.
                f[FF.RETRY_AT_ms] = now_ms + f[FF.RETRY_ms] * Math.pow(2, Math.min(trips - 1, MAX_DOUBLINGS))
                return FAULT_TRIPPED
            }
        } else f[FF.PENDING_ms] = -1
        return FAULT_NONE
    }
    // Active: is the condition gone, past the release threshold, for long enough?
    const latched = f[FF.LATCHED] !== 0
    const release = f[FF.RELEASE]
    let clear = v > release
    if (above) clear = v < release
    // Not measured: clear unless latched.
    if (!measured) clear = !latched
    if (!clear) {
        f[FF.CLEAR_ms] = -1
        return FAULT_NONE
    }
    if (f[FF.CLEAR_ms] < 0) f[FF.CLEAR_ms] = now_ms
    if (latched) return FAULT_NONE
    // Released once clear for the hold and past the retry back-off.
    if (now_ms - f[FF.CLEAR_ms] < RELEASE_HOLD_ms) return FAULT_NONE
    if (now_ms < f[FF.RETRY_AT_ms]) return FAULT_NONE
    f[FF.ACTIVE] = 0
    f[FF.PENDING_ms] = -1
    f[FF.CLEAR_ms] = -1
    return FAULT_RELEASED
}

/** A person's clear: accepted only once the condition has been gone for the release hold. */
export function clearFaultLatch(f: number[], now_ms: number): string {
    if (f[FF.ACTIVE] === 0) return "not active"
    if (f[FF.LATCHED] === 0) return "clears by itself once the condition is gone"
    const clear_ms = f[FF.CLEAR_ms]
    if (clear_ms < 0) return "the condition is still present"
    if (now_ms - clear_ms < RELEASE_HOLD_ms) return "the condition is still present"
    f[FF.LATCHED] = 0
    f[FF.ACTIVE] = 0
    f[FF.PENDING_ms] = -1
    f[FF.CLEAR_ms] = -1
    return ""
}

/** Latched again after a restart (the value at the trip is in the log, not here). */
export function relatchFault(f: number[]): void {
    f[FF.ACTIVE] = 1
    f[FF.LATCHED] = 1
    f[FF.CLEAR_ms] = -1
}
