// AP33772S USB PD 3.1 sink controller (Diodes), the box's USB-C input. It runs the PD protocol itself; the
// firmware reads what the source offers, asks for one object (and a voltage, for PPS / AVS) and watches
// the result, the VBUS readings and the protections. Portable: talks only to the Bus.
// Register facts (shared docs/hardware-facts.md section 3.2; docs/charging.md lists them with sources;
// verify against the Diodes datasheet, DS46176): little-endian multi-byte registers; STATUS clears on read.
import { Bus, DeviceError } from "./bus"
import { Offer, decodeAp33772sPdo } from "../core/charging/pdo"
import { PdRequest } from "../core/charging/pd_policy"

export enum AP33772S_REG {
    STATUS = 0x01,
    MASK = 0x02,
    OPMODE = 0x03,
    CONFIG = 0x04,
    SYSTEM = 0x06,
    /** VBUS voltage (16-bit, 80 mV), current (8-bit, 24 mA), temperature (8-bit, °C). */
    VOLTAGE = 0x11,
    CURRENT = 0x12,
    TEMP = 0x13,
    /** The contract in force: voltage (16-bit, 50 mV) and current (16-bit, 10 mA). */
    VREQ = 0x14,
    IREQ = 0x15,
    /** All 13 source objects as 16-bit entries, one 26-byte burst (7 SPR, then 6 EPR). */
    SRCPDO = 0x20,
    PD_REQMSG = 0x31,
    PD_CMDMSG = 0x32,
    PD_MSGRLT = 0x33,
}

export enum AP33772S_STATUS {
    STARTED = 0x01,
    READY = 0x02,
    NEWPDO = 0x04,
    UVP = 0x08,
    OVP = 0x10,
    OCP = 0x20,
    OTP = 0x40,
}

/** PD_MSGRLT low nibble. */
export enum AP33772S_RESULT {
    BUSY = 0,
    SUCCESS = 1,
    INVALID = 2,
    UNSUPPORTED = 3,
    FAILED = 4,
}

/** SYSTEM: the VBUS switch (NMOS) under the chip's control, forced off, forced on. */
export const AP33772S_VOUT_AUTO = 0
export const AP33772S_VOUT_OFF = 1

export const AP33772S_PDO_COUNT = 13

/** CURRENT_SEL code for a current: the largest code not above it (never ask for more than chosen). */
export function ap33772sCurrentCode(mA: number): number {
    // Two arguments each (the VM reads no more); NaN stays NaN.
    return Math.max(0, Math.min(15, Math.floor((mA - 1000) / 250)))
}

/** PD_REQMSG: b15:12 object position, b11:8 current code, b7:0 voltage (PPS 100 mV, AVS 200 mV; 0 for fixed). */
export function ap33772sRequestWord(r: PdRequest): number {
    let v = 0
    if (r.kind !== "fixed") {
        v = Math.floor(r.mV / (r.kind === "avs" ? 200 : 100))
        if (v > 255) v = 255
    }
    return r.position * 4096 + ap33772sCurrentCode(r.mA) * 256 + v
}

export interface VbusReading {
    mV: number
    mA: number
    temp_C: number
}

async function readRegs(chip: Ap33772s, reg: number, n: number): Promise<number[]> {
    const b = await chip.bus.transfer(chip.address, [reg], n)
    if (b.length !== n) throw new DeviceError(chip.address, `AP33772S: register ${reg} gave ${b.length} bytes, expected ${n}`)
    return b
}

/** Write `bytes` (the register, then its value, low byte first). */
async function writeRegs(chip: Ap33772s, bytes: number[]): Promise<void> {
    await chip.bus.transfer(chip.address, bytes, 0)
}

/**
 * The AP33772S. Its operations are the module functions below it (no methods: a method costs image space in
 * the prototype setup and heap at start; a free function is compiled into an image only when it is called).
 */
export class Ap33772s {
    readonly bus: Bus
    readonly address: number

    constructor(bus: Bus, address: number) {
        this.bus = bus
        this.address = address
    }
}

/** Reads (and so clears) STATUS. */
export async function ap33772sReadStatus(chip: Ap33772s): Promise<number> {
    return (await readRegs(chip, AP33772S_REG.STATUS, 1))[0]
}

/** The source's objects (position 1-13), undefined where a slot is empty. */
export async function ap33772sReadOffers(chip: Ap33772s): Promise<Offer[]> {
    const b = await readRegs(chip, AP33772S_REG.SRCPDO, 2 * AP33772S_PDO_COUNT)
    const out: Offer[] = []
    for (let i = 0; i < AP33772S_PDO_COUNT; i++) out.push(decodeAp33772sPdo(b[2 * i] + 256 * b[2 * i + 1], i + 1))
    return out
}

export async function ap33772sRequest(chip: Ap33772s, r: PdRequest): Promise<void> {
    const w = ap33772sRequestWord(r)
    await chip.bus.transfer(chip.address, [AP33772S_REG.PD_REQMSG, w & 0xff, w >> 8], 0)
}

/** The last request's outcome (AP33772S_RESULT). */
export async function ap33772sResult(chip: Ap33772s): Promise<number> {
    return (await readRegs(chip, AP33772S_REG.PD_MSGRLT, 1))[0] & 0x0f
}

export async function ap33772sReadVbus(chip: Ap33772s): Promise<VbusReading> {
    const v = await readRegs(chip, AP33772S_REG.VOLTAGE, 2)
    const i = await readRegs(chip, AP33772S_REG.CURRENT, 1)
    const t = await readRegs(chip, AP33772S_REG.TEMP, 1)
    // The temperature is a signed byte: sign-extended by shifting (shifts work on 32-bit integers).
    return { mV: (v[0] + 256 * v[1]) * 80, mA: i[0] * 24, temp_C: (t[0] << 24) >> 24 }
}

/** A hard reset of the PD link (the source drops VBUS to 0 and starts over at 5 V). */
export async function ap33772sHardReset(chip: Ap33772s): Promise<void> {
    await writeRegs(chip, [AP33772S_REG.PD_CMDMSG, 1])
}

/** Let the chip close the VBUS switch once a contract holds (AUTO), or hold it open. */
export async function ap33772sSetVbusSwitch(chip: Ap33772s, auto: boolean): Promise<void> {
    const v = auto ? AP33772S_VOUT_AUTO : AP33772S_VOUT_OFF
    await writeRegs(chip, [AP33772S_REG.SYSTEM, v])
    const back = (await readRegs(chip, AP33772S_REG.SYSTEM, 1))[0] & 3
    if (back !== v) throw new DeviceError(chip.address, `AP33772S: SYSTEM reads ${back}, wrote ${v}`)
}
