// The test API shared by the VM suite (@devicescript/test) and the Node suite (test/harness/node_runner.ts).
// Shared specs are functions of this API so the very same test code runs in both runtimes.
// Keep to the DeviceScript subset: flat describe blocks (the VM runs nested ones out of order),
// only toBe / toThrow / not, and assertion helpers below that throw with a readable message.

export interface Expectation {
    toBe(expected: any): void
    toThrow(): void
    not(): Expectation
}

export interface TestApi {
    /** "vm" or "node": for the rare test that must know (never to relax an assertion). */
    runtime: string
    describe(name: string, body: () => void): void
    /** Bodies are async (DeviceScript rejects an async function where a plain one is typed). */
    test(name: string, body: () => Promise<void>): void
    expect(value: any): Expectation
    /** Yield to the scheduler: the VM kills a slice after ~128 K ops. A no-op in Node. */
    pause(): Promise<void>
}

export type Spec = (t: TestApi) => void

export function fail(message: string): void {
    throw new Error(message)
}

export function assertTrue(cond: boolean, message: string): void {
    if (!cond) throw new Error(message)
}

export function assertEq(actual: any, expected: any, what: string): void {
    if (actual !== expected) throw new Error(what + ": expected " + expected + ", got " + actual)
}

export function assertNear(actual: number, expected: number, tolerance: number, what: string): void {
    if (!(Math.abs(actual - expected) <= tolerance))
        throw new Error(what + ": expected " + expected + " +/- " + tolerance + ", got " + actual)
}

/** `text` (a string) contains `part`. */
export function assertContains(text: string, part: string, what: string): void {
    assertTrue(typeof text === "string" && text.indexOf(part) >= 0, what + ": expected '" + part + "' in '" + text + "'")
}

/** A caught error's name and message ("no error" / "" when nothing was thrown). */
export function errName(e: any): string {
    return e ? e.name : "no error"
}

export function errMessage(e: any): string {
    return e ? "" + e.message : ""
}

/** Runs an async function and returns the error it threw, or undefined. */
export async function catchAsync(fn: () => Promise<any>): Promise<any> {
    try {
        await fn()
    } catch (e) {
        return e
    }
    return undefined
}
