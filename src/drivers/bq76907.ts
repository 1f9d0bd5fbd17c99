// BQ76907 2S-7S battery monitor (the AFE): cell voltages, pack current and the accumulated charge
// (PASSQ), temperatures. Portable, on the Bus. Facts and their sources: docs/bq76907-facts.md (items
// marked "verify" there are assumptions this driver shares with the emulator).
// Sign convention at this driver's interface: current and charge are positive when DISCHARGING (the
// chip reports charge as positive; we flip it once, here).
import { Bus, BusError, DeviceError, hex16, hex8 } from "./bus"

export const BQ76907_CMD = {
    SAFETY_ALERT_A: 0x02,
    SAFETY_STATUS_A: 0x03,
    SAFETY_ALERT_B: 0x04,
    SAFETY_STATUS_B: 0x05,
    BATTERY_STATUS: 0x12,
    CELL1: 0x14,
    STACK: 0x26,
    INT_TEMP: 0x28,
    TS: 0x2a,
    CC2: 0x3a,
    SUBCMD: 0x3e,
    BUFFER: 0x40,
    CHECKSUM: 0x60,
    LENGTH: 0x61,
}

export const BQ76907_SUB = {
    DEVICE_NUMBER: 0x0001,
    PASSQ: 0x0004,
    RESET_PASSQ: 0x0005,
    SET_CFGUPDATE: 0x0090,
    EXIT_CFGUPDATE: 0x0092,
}

export const BQ76907_DM = {
    VCELL_MODE: 0x901b,
}

const DEVICE_NUMBER = 0x7607
const CFGUPDATE_BIT = 0x0020
const POLLS = 20

export interface Bq76907Config {
    address: number
    /** Cell groups actually connected (2..7). */
    cells: number
    /** CRC-8 on every byte (the part's OTP option). */
    crc: boolean
    /** The thermistor on TS: 10 kOhm at 25 °C, B constant; the chip's pull-up is 20 kOhm. */
    ntcR25_Ohm: number
    ntcB_K: number
}

export function bq76907Defaults(cells: number): Bq76907Config {
    return { address: 0x08, cells, crc: false, ntcR25_Ohm: 10000, ntcB_K: 3435 }
}

export interface AfeReading {
    cell_mV: number[]
    stack_mV: number
    /** Latest CC2 current, A, positive = discharge. */
    current_A: number
    /** Charge counted since the last PASSQ reset, C, positive = discharge; and the time it covers. */
    passq_C: number
    passqTime_s: number
    dieTemp_C: number
    /** Thermistor (cell) temperature, °C. */
    ts_C: number
    safetyStatusA: number
    safetyStatusB: number
    batteryStatus: number
}

/** CRC-8, polynomial x^8 + x^2 + x + 1, init 0. */
export function crc8(bytes: number[]): number {
    let crc = 0
    for (const b of bytes) {
        crc ^= b & 0xff
        for (let k = 0; k < 8; k++) crc = (crc & 0x80) !== 0 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff
    }
    return crc
}

function le(bytes: number[], at: number, n: number): number {
    let v = 0
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (bytes[at + i] & 0xff)
    return v
}

function s16(v: number): number {
    return v >= 0x8000 ? v - 0x10000 : v
}

export class Bq76907 {
    readonly cfg: Bq76907Config
    private bus: Bus

    constructor(bus: Bus, cfg: Bq76907Config) {
        if (!(cfg.cells >= 2 && cfg.cells <= 7)) throw new DeviceError(cfg.address, "BQ76907 supports 2 to 7 cells, not " + cfg.cells)
        this.bus = bus
        this.cfg = cfg
    }

    private where(): string {
        return "BQ76907 at " + hex8(this.cfg.address)
    }

    /** Write `data` to command address `cmd` (CRC per byte when enabled). */
    async writeBytes(cmd: number, data: number[]): Promise<void> {
        const a = this.cfg.address
        if (!this.cfg.crc) {
            const out = [cmd]
            for (const d of data) out.push(d & 0xff)
            await this.bus.transfer(a, out, 0)
            return
        }
        const out = [cmd]
        for (let i = 0; i < data.length; i++) {
            out.push(data[i] & 0xff)
            out.push(i === 0 ? crc8([(a << 1) & 0xff, cmd, data[0] & 0xff]) : crc8([data[i] & 0xff]))
        }
        await this.bus.transfer(a, out, 0)
    }

    /** Read `n` bytes from command address `cmd` (checking and stripping CRCs when enabled). */
    async readBytes(cmd: number, n: number): Promise<number[]> {
        const a = this.cfg.address
        if (!this.cfg.crc) {
            const b = await this.bus.transfer(a, [cmd], n)
            if (!b || b.length !== n) throw new BusError(a, "short read from " + this.where() + " at " + hex8(cmd))
            return b
        }
        const b = await this.bus.transfer(a, [cmd], 2 * n)
        if (!b || b.length !== 2 * n) throw new BusError(a, "short read from " + this.where() + " at " + hex8(cmd))
        const out: number[] = []
        for (let i = 0; i < n; i++) {
            const d = b[2 * i]
            const want = i === 0 ? crc8([(a << 1) & 0xff, cmd, ((a << 1) | 1) & 0xff, d]) : crc8([d])
            if (b[2 * i + 1] !== want) throw new DeviceError(a, this.where() + ": CRC error reading " + hex8(cmd) + " (garbled transfer)")
            out.push(d)
        }
        return out
    }

    private async startSub(id: number): Promise<void> {
        await this.writeBytes(BQ76907_CMD.SUBCMD, [id & 0xff, (id >> 8) & 0xff])
        for (let i = 0; i < POLLS; i++) {
            const echo = await this.readBytes(BQ76907_CMD.SUBCMD, 2)
            if (le(echo, 0, 2) === id) return
        }
        throw new DeviceError(this.cfg.address, this.where() + ": subcommand " + hex16(id) + " never completed")
    }

    /** Run a subcommand and return its data, checked against the chip's checksum and length. */
    async subcommand(id: number): Promise<number[]> {
        await this.startSub(id)
        const len = (await this.readBytes(BQ76907_CMD.LENGTH, 1))[0]
        if (len < 4 || len > 36) throw new DeviceError(this.cfg.address, this.where() + ": subcommand " + hex16(id) + " reports length " + len)
        const data = len > 4 ? await this.readBytes(BQ76907_CMD.BUFFER, len - 4) : []
        const sum = (await this.readBytes(BQ76907_CMD.CHECKSUM, 1))[0]
        let s = (id & 0xff) + ((id >> 8) & 0xff)
        for (const d of data) s += d
        if (((~s) & 0xff) !== sum) throw new DeviceError(this.cfg.address, this.where() + ": checksum mismatch on subcommand " + hex16(id))
        return data
    }

    /** A command-only subcommand. */
    async command(id: number): Promise<void> {
        await this.startSub(id)
    }

    /** Write a data-memory entry (inside CONFIG_UPDATE). */
    async writeDataMemory(addr: number, data: number[]): Promise<void> {
        const out = [addr & 0xff, (addr >> 8) & 0xff]
        for (const d of data) out.push(d)
        await this.writeBytes(BQ76907_CMD.SUBCMD, out)
        let s = (addr & 0xff) + ((addr >> 8) & 0xff)
        for (const d of data) s += d
        await this.writeBytes(BQ76907_CMD.CHECKSUM, [(~s) & 0xff, data.length + 4])
    }

    async readDataMemory(addr: number, n: number): Promise<number[]> {
        const d = await this.subcommand(addr)
        if (d.length < n) throw new DeviceError(this.cfg.address, this.where() + ": data memory " + hex16(addr) + " returned " + d.length + " bytes")
        return d.slice(0, n)
    }

    async probe(): Promise<void> {
        const d = await this.subcommand(BQ76907_SUB.DEVICE_NUMBER)
        const dev = le(d, 0, 2)
        if (d.length < 2 || dev !== DEVICE_NUMBER)
            throw new DeviceError(this.cfg.address, this.where() + ": device number " + hex16(dev) + ", expected " + hex16(DEVICE_NUMBER) + "; another AFE at this address?")
    }

    private async batteryStatus(): Promise<number> {
        return le(await this.readBytes(BQ76907_CMD.BATTERY_STATUS, 2), 0, 2)
    }

    /** Tell the chip how many cells are connected, and check it took. */
    async configure(): Promise<void> {
        const a = this.cfg.address
        await this.command(BQ76907_SUB.SET_CFGUPDATE)
        if (((await this.batteryStatus()) & CFGUPDATE_BIT) !== 0) {
            await this.writeDataMemory(BQ76907_DM.VCELL_MODE, [this.cfg.cells === 7 ? 0 : this.cfg.cells])
        } else throw new DeviceError(a, this.where() + ": did not enter CONFIG_UPDATE")
        await this.command(BQ76907_SUB.EXIT_CFGUPDATE)
        const mode = (await this.readDataMemory(BQ76907_DM.VCELL_MODE, 1))[0]
        const want = this.cfg.cells === 7 ? 0 : this.cfg.cells
        if (mode !== want) throw new DeviceError(a, this.where() + ": Vcell Mode reads " + mode + ", wrote " + want)
    }

    async resetPassq(): Promise<void> {
        await this.command(BQ76907_SUB.RESET_PASSQ)
    }

    /** Accumulated charge (C, positive = discharge) and the time it covers (s). */
    async readPassq(): Promise<{ charge_C: number; time_s: number }> {
        const d = await this.subcommand(BQ76907_SUB.PASSQ)
        if (d.length < 12) throw new DeviceError(this.cfg.address, this.where() + ": PASSQ returned " + d.length + " bytes")
        // 48-bit two's complement: the low 32 bits, then the upper 16 sign-extended to 32 bits.
        let hi = le(d, 4, 4)
        if (hi >= 0x80000000) hi -= 0x100000000
        const raw = hi * 4294967296 + le(d, 0, 4)
        // 0.25 userA*s per LSB with userA = 1 mA: 0.25 mC. The chip counts charge as positive.
        return { charge_C: -raw * 0.00025, time_s: le(d, 8, 4) * 0.25 }
    }

    /** The thermistor temperature from TS counts: code = 19660.8 * R / (R + 20 kOhm). */
    tsToCelsius(code: number): number {
        const ratio = code / 19660.8
        if (!(ratio > 0 && ratio < 1)) return NaN
        const r = (20000 * ratio) / (1 - ratio)
        const invT = 1 / 298.15 + Math.log(r / this.cfg.ntcR25_Ohm) / this.cfg.ntcB_K
        return 1 / invT - 273.15
    }

    /** Everything the supervisor needs once a second: 8 reads and one subcommand. */
    async read(): Promise<AfeReading> {
        const n = this.cfg.cells
        // Cells 1..n are consecutive LE words from 0x14: one transfer.
        const cells = await this.readBytes(BQ76907_CMD.CELL1, 2 * n)
        const cell_mV: number[] = []
        for (let i = 0; i < n; i++) cell_mV.push(s16(le(cells, 2 * i, 2)))
        const stack = le(await this.readBytes(BQ76907_CMD.STACK, 2), 0, 2)
        const cc2 = s16(le(await this.readBytes(BQ76907_CMD.CC2, 2), 0, 2))
        const die = s16(le(await this.readBytes(BQ76907_CMD.INT_TEMP, 2), 0, 2))
        const ts = le(await this.readBytes(BQ76907_CMD.TS, 2), 0, 2)
        const safety = await this.readBytes(BQ76907_CMD.SAFETY_STATUS_A, 3)
        const status = await this.batteryStatus()
        const q = await this.readPassq()
        return {
            cell_mV,
            stack_mV: stack,
            current_A: -cc2 / 1000,
            passq_C: q.charge_C,
            passqTime_s: q.time_s,
            dieTemp_C: die,
            ts_C: this.tsToCelsius(ts),
            safetyStatusA: safety[0],
            safetyStatusB: safety[2],
            batteryStatus: status,
        }
    }
}
