// Simulator only: the emulated board runs here in the VM next to the firmware (so every I2C
// transaction stays local and fast), while the plant runs in Node. The plant pushes each channel's
// current, voltage and temperature as `sample` reports; we answer with the board's switch states.
// See services/coopsimlink.md for the wire format.
import * as ds from "@devicescript/core"
import { Board, ChannelPhysics } from "../../sim/board/board"

const SAMPLE_REPORT = 0x1180
const SWITCHES_CMD = 0x80
const BYTES_PER_CHANNEL = 10

export class SimLink {
    private role: ds.CoopSimLink
    private board: Board
    private physics: ChannelPhysics[] = []
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
        const n = Math.min(this.physics.length, Math.floor(b.length / BYTES_PER_CHANNEL))
        for (let i = 0; i < n; i++) {
            const o = i * BYTES_PER_CHANNEL
            const p = this.physics[i]
            p.current_A = b.getAt(o, "i32") / 1e6
            p.busVoltage_V = b.getAt(o + 4, "i32") / 1e6
            p.dieTemp_C = b.getAt(o + 8, "i16") / 100
        }
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
        if (dt > 0) this.board.step(dt, this.physics)
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
