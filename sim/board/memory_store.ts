// Settings kept in memory, stored as JSON text like the device does, so corruption can be injected.
import { SettingsStore } from "../../src/core/io"

export class MemoryStore implements SettingsStore {
    text: { [key: string]: string } = {}
    writes = 0
    private perKey: { [key: string]: number } = {}
    /** When set, writes throw (a failing flash). */
    failWrites = false
    /** When set, the next write of this key is torn by a power loss: half its text lands, then it throws. */
    tearKey = ""

    /** Writes of one key so far. */
    writesOf(key: string): number {
        const n = this.perKey[key]
        return n === undefined ? 0 : n
    }

    async read(key: string): Promise<any> {
        const t = this.text[key]
        if (t === undefined) return undefined
        try {
            return JSON.parse(t)
        } catch (e) {
            // The device's readSetting answers "missing" for unparsable text; do the same.
            return undefined
        }
    }

    async write(key: string, value: any): Promise<void> {
        if (key.length > 13) throw new Error("key length must be <= 13")
        if (this.failWrites) throw new Error("flash write failed")
        if (this.tearKey === key) {
            this.tearKey = ""
            const t = JSON.stringify(value)
            this.text[key] = t.slice(0, Math.floor(t.length / 2))
            throw new Error("power lost during the write")
        }
        this.text[key] = JSON.stringify(value)
        this.writes++
        const n = this.perKey[key]
        this.perKey[key] = n === undefined ? 1 : n + 1
    }
}
