// TPS55289 buck-boost emulator, register level (the driver is src/drivers/tps55289.ts). The plant reads
// the voltage it regulates to and its current limit; the board drives its EN pin (the channel's enable AND
// trip latch) and tells it what the output is doing so STATUS reads true.
// Facts (shared docs/hardware-facts.md section 3; verify against the datasheet, SLVSFN4): REF 11 bits in
// 00h/01h, VREF = 45 mV + code * 0.5645 mV, VOUT = VREF / ratio with INTFB (04h bits 1:0) ratios
// 0.2256 / 0.1128 / 0.0752 / 0.0564; IOUT_LIMIT 02h bit 7 enable, bits 6:0 * 0.5 mV across the sense
// resistor; MODE 06h bit 7 OE; STATUS 07h bits 7 SCP, 6 OCP, 5 OVP (cleared when read), bits 1:0 mode.
// Power-up values here are placeholders (the driver writes every register it uses and reads it back; verify
// the real reset values): OE clear, so the output stays off until configured.
// The programmed limit is held with a +2 % error (inside the datasheet's tolerance; verify).
import { I2cDevice } from "./emulated_bus"

const RATIOS = [0.2256, 0.1128, 0.0752, 0.0564]

export class Tps55289Emulator implements I2cDevice {
    readonly address: number
    private sense_Ohm: number
    /** Registers 0..7. */
    regs: number[] = [0xd2, 0x00, 0xe4, 0x01, 0x03, 0xe0, 0x20, 0x00]
    private pointer = 0
    /** EN pin (the channel's enable AND its trip latch). */
    en = false
    /** Limit accuracy: the real limit is the programmed one times this (datasheet tolerance; verify). */
    limitGain = 1.02
    private latchedStatus = 0
    private mode = 0

    constructor(address: number, sense_Ohm: number) {
        this.address = address
        this.sense_Ohm = sense_Ohm
    }

    transfer(write: number[], readLength: number): number[] {
        if (write.length > 0) this.pointer = write[0] & 7
        // Writes auto-increment the register pointer.
        for (let i = 1; i < write.length; i++) {
            const r = this.pointer
            if (r !== 7) this.regs[r] = write[i] & (r === 1 ? 0x07 : 0xff)
            this.pointer = (this.pointer + 1) & 7
        }
        const out: number[] = []
        for (let i = 0; i < readLength; i++) {
            const r = this.pointer
            if (r === 7) {
                out.push(this.latchedStatus | this.mode)
                this.latchedStatus = 0
            } else out.push(this.regs[r])
            this.pointer = (this.pointer + 1) & 7
        }
        return out
    }

    /** Output switched on: OE set and EN high. */
    outputOn(): boolean {
        return this.en && (this.regs[6] & 0x80) !== 0
    }

    /** The voltage it regulates to, V (internal feedback). */
    target_V(): number {
        const code = this.regs[0] | ((this.regs[1] & 7) << 8)
        return (0.045 + code * 0.0005645) / RATIOS[this.regs[4] & 3]
    }

    /** The current it holds the output at, A (Infinity when the limit is disabled). */
    limit_A(): number {
        const r = this.regs[2]
        if ((r & 0x80) === 0) return Infinity
        return (((r & 0x7f) * 0.0005) / this.sense_Ohm) * this.limitGain
    }

    /** The plant says what happened this step: constant current, a short (hiccup), over-voltage. */
    report(inLimit: boolean, shorted: boolean, overVoltage: boolean, bucking: boolean): void {
        if (inLimit) this.latchedStatus |= 0x40
        if (shorted) this.latchedStatus |= 0x80
        if (overVoltage) this.latchedStatus |= 0x20
        this.mode = bucking ? 1 : 0
    }
}
