// Record and replay of the firmware's I2C traffic, for the golden trace: Node records every transaction
// the production firmware makes against the emulated board (what it wrote, what the chips answered); the
// VM then runs the same firmware against the recording. Firmware and board together no longer fit one
// DeviceScript image, but the firmware alone does, and with the chips' answers fixed both runtimes must
// make the same transactions and print the same lines. Portable.
import { Bus, BusError } from "../../src/drivers/bus"
import { errorText } from "../../src/core/persist"

const HEX = "0123456789abcdef"

function hexBytes(b: number[]): string {
    let s = ""
    for (const x of b) s += HEX[(x >> 4) & 15] + HEX[x & 15]
    return s === "" ? "-" : s
}

function parseHex(s: string): number[] {
    const out: number[] = []
    if (s === "-") return out
    for (let i = 0; i + 1 < s.length; i += 2) out.push(HEX.indexOf(s[i]) * 16 + HEX.indexOf(s[i + 1]))
    return out
}

/** One transaction as text: "address written readLength answer", the answer "!message" for a failure. */
function request(address: number, write: number[], readLength: number): string {
    return hexBytes([address]) + " " + hexBytes(write) + " " + readLength
}

/**
 * Compact form: a table of the distinct requests, and per transaction "index answer" (a few dozen requests
 * repeat a thousand times; the VM image's data must stay small).
 */
export class RecordingBus implements Bus {
    private inner: Bus
    readonly requests: string[] = []
    readonly records: string[] = []
    private index(req: string): number {
        let i = this.requests.indexOf(req)
        if (i < 0) {
            this.requests.push(req)
            i = this.requests.length - 1
        }
        return i
    }
    constructor(inner: Bus) {
        this.inner = inner
    }
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        const req = request(address, write, readLength)
        try {
            const d = await this.inner.transfer(address, write, readLength)
            this.records.push(this.index(req) + " " + hexBytes(d))
            return d
        } catch (e) {
            // Spaces would split the record: the message keeps its words joined by "_".
            this.records.push(this.index(req) + " !" + errorText(e).split(" ").join("_"))
            throw e
        }
    }
}

/** Replays a recording given as chunks of ";"-joined records, splitting one chunk at a time (VM heap). */
export class ReplayBus implements Bus {
    private requests: string[]
    private chunks: string[]
    private chunk = 0
    private records: string[] = []
    private inChunk = 0
    used = 0
    private pause: () => Promise<void>
    /** `pause` yields every few transactions, as real I2C suspends the fiber (the VM bounds its slices). */
    constructor(requests: string[], chunks: string[], pause: () => Promise<void>) {
        this.requests = requests
        this.chunks = chunks
        this.pause = pause
    }
    private next(): string {
        while (this.inChunk >= this.records.length) {
            if (this.chunk >= this.chunks.length) return undefined
            this.records = this.chunks[this.chunk++].split(";")
            this.inChunk = 0
        }
        return this.records[this.inChunk++]
    }
    /** Records not replayed yet (0 when the firmware made every recorded transaction). */
    remaining(): number {
        let n = this.records.length - this.inChunk
        for (let c = this.chunk; c < this.chunks.length; c++) n += this.chunks[c].split(";").length
        return n
    }
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        if (this.used % 4 === 3) await this.pause()
        const req = request(address, write, readLength)
        const rec = this.next()
        if (rec === undefined) throw new Error("replay: transaction " + this.used + " (" + req + ") is beyond the recording")
        const sp = rec.indexOf(" ")
        const want = this.requests[parseInt(rec.slice(0, sp))]
        if (want !== req) throw new Error("replay: transaction " + this.used + ": recorded " + want + ", firmware did " + req)
        this.used++
        const answer = rec.slice(sp + 1)
        if (answer[0] === "!") throw new BusError(address, answer.slice(1).split("_").join(" "))
        return parseHex(answer)
    }
}
