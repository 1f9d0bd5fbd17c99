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

/**
 * Each entry field, its key in the stored record and its type (numbers are stored rounded). Built per use, as
 * literals: the entries' keys stay in the image's data and nothing of the table stays on the heap.
 */
function entryFields(): string[] {
    return [
        "boot", "b", "number",
        "t_s", "t", "number",
        "event", "e", "string",
        "id", "i", "string",
        "value", "x", "number",
        "threshold", "k", "number",
        "unit", "u", "string",
    ]
}

/** The entry a stored record holds, or undefined when it is not one. */
function entryOf(x: any): FaultLogEntry {
    if (x === null) return undefined
    if (typeof x !== "object") return undefined
    if (x.v !== VERSION) return undefined
    const e: any = {}
    const F = entryFields()
    for (let k = 0; k < F.length; k += 3) {
        const v = x[F[k + 1]]
        if (typeof v !== F[k + 2]) return undefined
        e[F[k]] = v
    }
    return e
}

/** A whole number in [lo, hi]. */
function isWhole(v: any, lo: number, hi: number): boolean {
    if (typeof v !== "number") return false
    // Negated so NaN is refused too.
    if (!(v >= lo)) return false
    if (!(v <= hi)) return false
    return Math.floor(v) === v
}

/** The fault log; its operations are module functions (faultLogRestore, faultLogAdd): a method costs prototype space. */
export class FaultLog {
    /** Where the slots and the head are written (rate-limited). */
    settings: SettingsWriter
    /** Oldest first. */
    entries: FaultLogEntry[] = []
    boot = 0
    /** The slot the next entry goes to. */
    next = 0
    total = 0

    constructor(settings: SettingsWriter) {
        this.settings = settings
    }
}

/** Read the ring and count this boot. Problems come back as sentences (a bad slot is skipped). */
export async function faultLogRestore(log: FaultLog, store: SettingsStore): Promise<string[]> {
    const problems: string[] = []
    let head: any
    let boots: any
    try {
        head = await store.read(KEY_LOG_HEAD)
        boots = await store.read(KEY_BOOTS)
    } catch (e) {
        problems.push(`could not read the fault log (${errorText(e)})`)
    }
    let boot = 1
    if (isWhole(boots, 0, Infinity)) boot = boots + 1
    log.boot = boot
    if (boots != null) if (boot === 1) if (boots !== 0) problems.push(`boot counter ${JSON.stringify(boots)} unusable; counting from 1`)
    log.settings.set(KEY_BOOTS, boot)
    if (head == null) return problems
    let usable = false
    if (typeof head === "object") if (typeof head.c === "number") usable = isWhole(head.n, 0, LOG_SLOTS - 1)
    if (!usable) {
        problems.push(`fault log head ${JSON.stringify(head)} unusable; the log starts afresh`)
        return problems
    }
    const next = head.n
    log.next = next
    log.total = head.c
    // Oldest first: from the slot after the newest, around the ring.
    for (let k = 0; k < LOG_SLOTS; k++) {
        const i = (next + k) % LOG_SLOTS
        let x: any
        try {
            x = await store.read(logSlotKey(i))
        } catch (e) {
            x = undefined
        }
        if (x == null) continue
        const e = entryOf(x)
        if (e) log.entries.push(e)
        else problems.push(`fault log slot ${i} unusable; skipped`)
    }
    return problems
}

/** Append `e` (the oldest beyond LOG_SLOTS drops off) and save its slot and the head. */
export function faultLogAdd(log: FaultLog, e: FaultLogEntry): void {
    const entries = log.entries
    entries.push(e)
    if (entries.length > LOG_SLOTS) entries.shift()
    const rec: any = { v: VERSION }
    const ev: any = e
    const F = entryFields()
    for (let k = 0; k < F.length; k += 3) {
        let v = ev[F[k]]
        if (F[k + 2] === "number") v = Math.round(v)
        rec[F[k + 1]] = v
    }
    const settings = log.settings
    const slot = log.next
    settings.set(logSlotKey(slot), rec)
    const next = (slot + 1) % LOG_SLOTS
    const total = log.total + 1
    log.next = next
    log.total = total
    settings.set(KEY_LOG_HEAD, { n: next, c: total })
}
