// Settings written to flash at a bounded rate without losing the latest change: each key has a small
// budget of writes (a token bucket) that refills one write per `refill_ms`. An ordinary change is
// written at once (so a power cut a second later loses nothing); only a key changed again and again is
// throttled, and then its newest value is written as soon as the budget allows.
import { SettingsStore } from "./io"

/** Marks a complete record: no proper prefix of the JSON text of [value, 1] is valid JSON. */
const MARK = 1

/** The value of a complete record, or undefined (torn, missing, or not in this format). */
export function unwrapSetting(v: any): any {
    if (Array.isArray(v)) if (v.length === 2) if (v[1] === MARK) return v[0]
    return undefined
}

/**
 * Every value is written twice, as [value, 1]: first to a shadow key (key + "~"), then to the key itself.
 * A power loss in the middle of a write tears at most one of the two, and a torn record can never parse
 * as a record (no proper prefix of "[2500,1]" is valid JSON, while "2500" torn to "25" would be), so a read
 * takes the key's record if complete, else the shadow's. A value in neither form (written by hand, or
 * damaged) is returned as it is, for the caller's validation to judge and report. Keys must stay <= 12
 * characters to leave room for the "~".
 */
export class ShadowedStore implements SettingsStore {
    private inner: SettingsStore

    constructor(inner: SettingsStore) {
        this.inner = inner
    }

    async read(key: string): Promise<any> {
        const v = await this.inner.read(key)
        const u = unwrapSetting(v)
        if (u !== undefined) return u
        const shadow = unwrapSetting(await this.inner.read(key + "~"))
        if (shadow !== undefined) return shadow
        // A record cleared on purpose is written as [null, 1] and comes back above as null.
        return v
    }

    async write(key: string, value: any): Promise<void> {
        const rec = [value, MARK]
        await this.inner.write(key + "~", rec)
        await this.inner.write(key, rec)
    }
}

export class SettingsWriter {
    private store: SettingsStore
    private refill_ms: number
    private burst: number
    private pending: { [key: string]: any } = {}
    private tokens: { [key: string]: number } = {}
    private refilled_ms: { [key: string]: number } = {}

    constructor(store: SettingsStore, refill_ms: number, burst: number) {
        this.store = store
        this.refill_ms = refill_ms
        this.burst = burst
    }

    set(key: string, value: any): void {
        this.pending[key] = value
    }

    /** Write what the budget allows. Returns problems as sentences; a failed write stays pending. */
    async flush(now_ms: number): Promise<string[]> {
        const problems: string[] = []
        const pending = this.pending
        const tokens = this.tokens
        const burst = this.burst
        for (const key of Object.keys(pending)) {
            // Take a token from the key's bucket, refilled since it was last looked at; none left: wait.
            let t = tokens[key]
            if (t === undefined) t = burst
            else {
                t += (now_ms - this.refilled_ms[key]) / this.refill_ms
                if (t > burst) t = burst
            }
            this.refilled_ms[key] = now_ms
            if (t < 1) {
                tokens[key] = t
                continue
            }
            tokens[key] = t - 1
            const value = pending[key]
            try {
                await this.store.write(key, value)
                if (pending[key] === value) delete pending[key]
            } catch (e) {
                problems.push(`could not save setting ${key}: ${errorText(e)}`)
            }
        }
        return problems
    }
}

export function errorText(e: any): string {
    if (e == null) return "unknown error"
    if (typeof e === "string") return e
    if (e.message) return e.message
    return "" + e
}
