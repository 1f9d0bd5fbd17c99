// Simulator only: the emulated board runs here in the VM next to the firmware (so every I2C
// transaction stays local and fast), while the plant runs in Node. The plant pushes each channel's
// current, voltage and temperature as `sample` reports; we answer with the board's switch states.
// See services/coopsimlink.md for the wire format.
import * as ds from "@devicescript/core"
import { Board, ChannelPhysics, PackPhysics } from "../../sim/board/board"
import { Bus } from "../drivers/bus"

const SAMPLE_REPORT = 0x1180
const SWITCHES_CMD = 0x80
const BYTES_PER_CHANNEL = 10

/**
 * The emulated board's bus as the firmware sees it in the simulator. On hardware every I2C transaction
 * suspends the calling fiber; the emulated one would not, and a whole tick would run as one VM slice.
 * Yielding every few transactions gives the simulator the same slicing as the device.
 */
export class YieldingBus implements Bus {
    private inner: Bus
    private n = 0
    constructor(inner: Bus) {
        this.inner = inner
    }
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        this.n++
        if (this.n % 4 === 0) await ds.sleep(0)
        return await this.inner.transfer(address, write, readLength)
    }
}

export class SimLink {
    private role: ds.CoopSimLink
    private board: Board
    private physics: ChannelPhysics[] = []
    private pack: PackPhysics = { cell_V: [], current_A: 0, temp_C: 25, dieTemp_C: 25 }
    private lastStep_ms = 0
    private lastSentKey = ""
    private lastSent_ms = 0
    private sending = false
    samples = 0

    constructor(board: Board) {
        this.board = board
        for (let i = 0; i < board.channelCount(); i++) this.physics.push({ current_A: 0, busVoltage_V: 0, dieTemp_C: 25 })
        this.role = new ds.CoopSimLink()
        const self = this
        this.role.report().subscribe(pkt => {
            if (pkt.serviceCommand === SAMPLE_REPORT) self.onSample(pkt.payload)
        })
    }

    private onSample(b: Buffer): void {
        if (b.length < 2) return
        const nCh = b[0]
        const nCells = b[1]
        const packAt = 2 + nCh * BYTES_PER_CHANNEL
        if (b.length < packAt + 6 + 4 * nCells) return
        for (let i = 0; i < nCh && i < this.physics.length; i++) {
            const o = 2 + i * BYTES_PER_CHANNEL
            const p = this.physics[i]
            p.current_A = b.getAt(o, "i32") / 1e6
            p.busVoltage_V = b.getAt(o + 4, "i32") / 1e6
            p.dieTemp_C = b.getAt(o + 8, "i16") / 100
        }
        const pk = this.pack
        pk.current_A = b.getAt(packAt, "i32") / 1e6
        pk.temp_C = b.getAt(packAt + 4, "i16") / 100
        pk.dieTemp_C = pk.temp_C
        const cells: number[] = []
        for (let i = 0; i < nCells; i++) cells.push(b.getAt(packAt + 6 + 4 * i, "i32") / 1e6)
        pk.cell_V = cells
        this.samples++
    }

    isBound(): boolean {
        return this.role.isBound
    }

    /** Advance the board to `now_ms` and tell the plant when its switches change (or once a second). */
    step(now_ms: number): void {
        if (this.lastStep_ms === 0) this.lastStep_ms = now_ms
        const dt = (now_ms - this.lastStep_ms) / 1000
        this.lastStep_ms = now_ms
        // Until the plant's first sample the AFE sees no cells: give it nothing rather than zeros.
        if (dt > 0) this.board.step(dt, this.physics, this.pack.cell_V.length > 0 ? this.pack : undefined)
        let closed = 0
        let enabled = 0
        let latched = 0
        for (let i = 0; i < this.board.channelCount(); i++) {
            if (this.board.switchClosed(i)) closed |= 1 << i
            if (this.board.enableLevel(i)) enabled |= 1 << i
            if (this.board.latched[i]) latched |= 1 << i
        }
        const wd = this.board.watchdogExpired ? 1 : 0
        let trips = 0
        for (const n of this.board.trips) trips += n
        const key = closed + "/" + enabled + "/" + latched + "/" + wd + "/" + trips
        if ((key !== this.lastSentKey || now_ms - this.lastSent_ms > 1000) && !this.sending && this.role.isBound) {
            this.lastSentKey = key
            this.lastSent_ms = now_ms
            const n = this.board.channelCount()
            const buf = Buffer.alloc(14 + 2 * n)
            buf.setAt(0, "u32", closed)
            buf.setAt(4, "u32", enabled)
            buf.setAt(8, "u32", latched)
            buf.setAt(12, "u16", wd)
            for (let i = 0; i < n; i++) buf.setAt(14 + 2 * i, "u16", this.board.trips[i] & 0xffff)
            // A command from the VM takes ~20 ms to go out: send it from its own fiber.
            this.sending = true
            this.send.start(buf)
        }
    }

    private async send(buf: Buffer): Promise<void> {
        try {
            await this.role.sendCommand(SWITCHES_CMD, buf)
        } catch (e) {
            console.log("sim link: send failed")
        }
        this.sending = false
    }
}
