// Settings written to flash at a bounded rate: a value is written when it changed and the key's last
// write is at least `minInterval_ms` old; later changes wait and the newest value wins.
import { SettingsStore } from "./io"

export class SettingsWriter {
    private store: SettingsStore
    private minInterval_ms: number
    private pending: { [key: string]: any } = {}
    private lastWrite_ms: { [key: string]: number } = {}
    writes = 0

    constructor(store: SettingsStore, minInterval_ms: number) {
        this.store = store
        this.minInterval_ms = minInterval_ms
    }

    set(key: string, value: any): void {
        this.pending[key] = value
    }

    hasPending(): boolean {
        return Object.keys(this.pending).length > 0
    }

    /** Write what is due. Returns problems as sentences; a failed write stays pending. */
    async flush(now_ms: number): Promise<string[]> {
        const problems: string[] = []
        for (const key of Object.keys(this.pending)) {
            const last = this.lastWrite_ms[key]
            if (last !== undefined && now_ms - last < this.minInterval_ms) continue
            const value = this.pending[key]
            try {
                await this.store.write(key, value)
                this.writes++
                this.lastWrite_ms[key] = now_ms
                if (this.pending[key] === value) delete this.pending[key]
            } catch (e) {
                problems.push("could not save setting " + key + ": " + errorText(e))
            }
        }
        return problems
    }
}

export function errorText(e: any): string {
    if (e === undefined || e === null) return "unknown error"
    if (typeof e === "string") return e
    return e.message ? e.message : "" + e
}
