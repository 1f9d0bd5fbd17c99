// The persistent fault log: the last LOG_SLOTS trips, releases and clears, with the value at the moment
// and the boot they happened in (there is no wall clock). A ring of small settings records (one key per
// slot, each well under the VM's ~230-byte value limit) plus a head record, written through the
// SettingsWriter so a flapping fault cannot wear the flash. Portable.
import { SettingsStore } from "../io"
import { SettingsWriter, errorText } from "../persist"

export const LOG_SLOTS = 8
export const KEY_LOG_HEAD = "flogh"
export const KEY_BOOTS = "boots"
const VERSION = 1

export function logSlotKey(i: number): string {
    return "flog" + i
}

export interface FaultLogEntry {
    /** Boot number (counted in flash) and seconds since that boot. */
    boot: number
    t_s: number
    /** "trip" | "release" | "clear" */
    event: string
    id: string
    value: number
    threshold: number
    unit: string
}

function isEntry(x: any): boolean {
    return (
        x !== null &&
        typeof x === "object" &&
        x.v === VERSION &&
        typeof x.b === "number" &&
        typeof x.t === "number" &&
        typeof x.e === "string" &&
        typeof x.i === "string" &&
        typeof x.x === "number" &&
        typeof x.k === "number" &&
        typeof x.u === "string"
    )
}

export class FaultLog {
    private settings: SettingsWriter
    /** Oldest first. */
    entries: FaultLogEntry[] = []
    boot = 0
    private next = 0
    total = 0

    constructor(settings: SettingsWriter) {
        this.settings = settings
    }

    /** Read the ring and count this boot. Problems come back as sentences (a bad slot is skipped). */
    async restore(store: SettingsStore): Promise<string[]> {
        const problems: string[] = []
        let head: any
        let boots: any
        try {
            head = await store.read(KEY_LOG_HEAD)
            boots = await store.read(KEY_BOOTS)
        } catch (e) {
            problems.push("could not read the fault log (" + errorText(e) + ")")
        }
        this.boot = typeof boots === "number" && boots >= 0 && Math.floor(boots) === boots ? boots + 1 : 1
        if (boots !== undefined && boots !== null && this.boot === 1 && boots !== 0) problems.push("boot counter " + JSON.stringify(boots) + " unusable; counting from 1")
        this.settings.set(KEY_BOOTS, this.boot)
        if (head === undefined || head === null) return problems
        if (typeof head !== "object" || typeof head.n !== "number" || typeof head.c !== "number" || head.n < 0 || head.n >= LOG_SLOTS || Math.floor(head.n) !== head.n) {
            problems.push("fault log head " + JSON.stringify(head) + " unusable; the log starts afresh")
            return problems
        }
        this.next = head.n
        this.total = head.c
        // Oldest first: from the slot after the newest, around the ring.
        for (let k = 0; k < LOG_SLOTS; k++) {
            const i = (this.next + k) % LOG_SLOTS
            let x: any
            try {
                x = await store.read(logSlotKey(i))
            } catch (e) {
                x = undefined
            }
            if (x === undefined || x === null) continue
            if (!isEntry(x)) {
                problems.push("fault log slot " + i + " unusable; skipped")
                continue
            }
            this.entries.push({ boot: x.b, t_s: x.t, event: x.e, id: x.i, value: x.x, threshold: x.k, unit: x.u })
        }
        return problems
    }

    add(e: FaultLogEntry): void {
        this.entries.push(e)
        if (this.entries.length > LOG_SLOTS) this.entries.shift()
        const rec = { v: VERSION, b: e.boot, t: Math.round(e.t_s), e: e.event, i: e.id, x: Math.round(e.value), k: Math.round(e.threshold), u: e.unit }
        this.settings.set(logSlotKey(this.next), rec)
        this.next = (this.next + 1) % LOG_SLOTS
        this.total++
        this.settings.set(KEY_LOG_HEAD, { n: this.next, c: this.total })
    }
}
