// TPS55289 I2C buck-boost (TI), one per USB-C output: it makes the PD contract's voltage and holds the
// output current limit (constant current) in hardware. Portable: talks only to the Bus.
// Register facts (shared docs/hardware-facts.md section 3; verify against the datasheet, SLVSFN4):
//   00h/01h REF: 11-bit reference DAC, VREF = 45 mV + code * 0.5645 mV
//   02h IOUT_LIMIT: bit 7 enables the limit; bits 6:0 in 0.5 mV steps across the sense resistor
//   04h VOUT_FS: bit 7 FB (0 = internal divider), bits 1:0 INTFB (3: VOUT = VREF / 0.0564, up to ~22 V)
//   06h MODE: bit 7 OE (output enable; the EN pin, driven by the channel's trip latch, gates it too),
//             bit 5 HICCUP (short-circuit hiccup instead of latch-off), bit 4 DISCHG (discharge VOUT when off)
//   07h STATUS: bit 7 SCP, 6 OCP (in constant current), 5 OVP; read-to-clear (verify)
import { Bus, DeviceError, hex8 } from "./bus"

export enum TPS55289_STATUS {
    SCP = 0x80,
    OCP = 0x40,
    OVP = 0x20,
}

/** VOUT per reference step and at code 0 with INTFB = 3, mV. */
export const TPS55289_STEP_mV = 0.5645 / 0.0564
export const TPS55289_BASE_mV = 45 / 0.0564
const MODE_ON = 0xb0 // OE | HICCUP | DISCHG

export class Tps55289 {
    readonly bus: Bus
    readonly address: number
    /** The current-sense resistor, mOhm. */
    readonly sense_mOhm: number
    /** What was last written to registers 0..6 (-1: never), for the read-back (parsed: a literal array is code). */
    readonly wrote: number[] = JSON.parse("[-1, -1, -1, -1, -1, -1, -1]")

    constructor(bus: Bus, address: number, sense_mOhm: number) {
        this.bus = bus
        this.address = address
        this.sense_mOhm = sense_mOhm
    }
}

// The driver's operations as functions (an image carries every method; a function call costs less code).

/** Internal feedback for 5-20 V, 5 V, the limit at its smallest, the output enabled (EN still gates it). */
export async function tps55289Configure(c: Tps55289): Promise<void> {
    await put(c, 4, 3)
    await tps55289SetOutput_mV(c, 5000)
    await tps55289SetLimit_mA(c, 0)
    await put(c, 6, MODE_ON)
}

/** The output voltage, mV (the reference DAC's nearest code within its range). */
export async function tps55289SetOutput_mV(c: Tps55289, mV: number): Promise<void> {
    const code = Math.max(0, Math.min(2047, Math.round((mV - TPS55289_BASE_mV) / TPS55289_STEP_mV)))
    await put(c, 0, code & 0xff)
    await put(c, 1, code >> 8)
}

/** Program the current limit, rounded down to the register's step; returns what was programmed, mA. */
export async function tps55289SetLimit_mA(c: Tps55289, mA: number): Promise<number> {
    const code = Math.max(0, Math.min(127, Math.floor((mA * c.sense_mOhm) / 500)))
    await put(c, 2, 0x80 | code)
    return (code * 500) / c.sense_mOhm
}

/** STATUS (read-to-clear): TPS55289_STATUS bits. */
export async function tps55289ReadStatus(c: Tps55289): Promise<number> {
    return (await c.bus.transfer(c.address, [7], 1))[0]
}

/** Every register written is read back: a converter that was reset (brown-out) no longer limits. */
export async function tps55289Verify(c: Tps55289): Promise<void> {
    for (let r = 0; r < 7; r++) if (c.wrote[r] >= 0) await check(c, r, "expected")
}

/** Read register r back against what was written to it; `verb` says how the mismatch is worded. */
async function check(c: Tps55289, r: number, verb: string): Promise<void> {
    const w = c.wrote[r]
    const got = (await c.bus.transfer(c.address, [r], 1))[0]
    if (got !== w) throw new DeviceError(c.address, `TPS55289 register ${hex8(r)} reads ${hex8(got)}, ${verb} ${hex8(w)}`)
}

/** Write one register and read it back. */
async function put(c: Tps55289, r: number, v: number): Promise<void> {
    c.wrote[r] = v
    await c.bus.transfer(c.address, [r, v], 0)
    await check(c, r, "wrote")
}
