// Simulator only: the firmware in the VM reaches the emulated board in Node over the coopsimlink service.
// Each I2C transaction is one `i2c` command answered by an `i2c_result` report; pin levels (output enables,
// watchdog heartbeat) ride along with every transaction and are sent alone when they change in between.
// See services/coopsimlink.md. The board lives in Node because firmware and emulated chips together no
// longer fit one DeviceScript image (64 KiB of functions).
import * as ds from "@devicescript/core"
import { Bus, BusError } from "../drivers/bus"
import { DigitalOut } from "../core/io"

const I2C_CMD = 0x81
const PINS_CMD = 0x82
const RESULT_REPORT = 0x1181
const DC_SENSE_REPORT = 0x1182
/** Bits of the pin levels: output enables 0-5, the watchdog heartbeat 7, the charger's input selects 8 and 9. */
export const HEARTBEAT_BIT = 7
export const INSEL_USB_BIT = 8
export const INSEL_DC_BIT = 9
/**
 * Reports from Node to the VM are occasionally lost (about 1 in 100 at 50 Hz): a transaction unanswered
 * after ATTEMPT_ms is sent again with the same sequence number, and Node answers a repeat from its cache
 * instead of running it twice (a read that clears flags must clear them once). After ATTEMPTS the driver
 * sees a bus error.
 */
const ATTEMPT_ms = 150
const ATTEMPTS = 5

class LinkPin implements DigitalOut {
    private link: SimLink
    private bit: number
    constructor(link: SimLink, bit: number) {
        this.link = link
        this.bit = bit
    }
    write(high: boolean): void {
        this.link.setLevel(this.bit, high)
    }
}

export class SimLink implements Bus {
    /** The link's Jacdac role (`role.isBound`: the emulated board in Node is there). */
    readonly role: ds.CoopSimLink
    private seq = 0
    private waiting = -1
    private result: Buffer
    levels = 0
    sentLevels = -1
    sendingPins = false
    /** The DC inlet's voltage as the board's sense divider would show it, mV (pushed by Node when it changes). */
    dcSense_mV = 0

    constructor() {
        this.role = new ds.CoopSimLink()
        const self = this
        this.role.report().subscribe(pkt => {
            const p = pkt.payload
            if (pkt.serviceCommand === DC_SENSE_REPORT && p.length >= 2) self.dcSense_mV = p[0] | (p[1] << 8)
            else if (pkt.serviceCommand === RESULT_REPORT && p.length >= 2 && p[0] === self.waiting) self.result = p
        })
    }

    /** A pin of the emulated board: bit n of the levels. */
    pin(bit: number): DigitalOut {
        return new LinkPin(this, bit)
    }

    setLevel(bit: number, high: boolean): void {
        const mask = 1 << bit
        this.levels = high ? this.levels | mask : this.levels & ~mask
        if (this.levels !== this.sentLevels && !this.sendingPins) {
            this.sendingPins = true
            sendPins.start(this)
        }
    }


    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        // One transaction at a time (the firmware's fibers share one bus, as on the device).
        while (this.waiting >= 0) await ds.sleep(1)
        this.seq = (this.seq + 1) & 0xff
        const seq = this.seq
        this.waiting = seq
        this.result = undefined
        const buf = Buffer.alloc(5 + write.length)
        buf[0] = seq
        buf[1] = address
        buf[2] = readLength
        buf[3] = this.levels & 0xff
        buf[4] = this.levels >> 8
        for (let i = 0; i < write.length; i++) buf[5 + i] = write[i]
        try {
            this.sentLevels = this.levels
            for (let k = 0; k < ATTEMPTS && this.result === undefined; k++) {
                await this.role.sendCommand(I2C_CMD, buf)
                const t0 = ds.millis()
                while (this.result === undefined && ds.millis() - t0 < ATTEMPT_ms) await ds.sleep(1)
            }
            const r = this.result
            if (r === undefined) throw new BusError(address, "no answer from the simulator")
            if (r[1] !== 0) {
                let msg = ""
                for (let i = 2; i < r.length; i++) msg += String.fromCharCode(r[i])
                throw new BusError(address, msg)
            }
            const out: number[] = []
            for (let i = 2; i < r.length; i++) out.push(r[i])
            return out
        } finally {
            this.waiting = -1
        }
    }
}

async function sendPins(link: SimLink): Promise<void> {
    // A command from the VM takes ~20 ms: coalesce changes made meanwhile.
    while (link.levels !== link.sentLevels) {
        const v = link.levels
        try {
            await link.role.sendCommand(PINS_CMD, Buffer.from([v & 0xff, v >> 8]))
            link.sentLevels = v
        } catch (e) {
            break
        }
    }
    link.sendingPins = false
}
