// BQ76907 2S-7S battery monitor (the AFE): cell voltages, pack current and the accumulated charge
// (PASSQ), temperatures. Portable, on the Bus. Facts and their sources: docs/bq76907-facts.md (items
// marked "verify" there are assumptions this driver shares with the emulator).
// Sign convention at this driver's interface: current and charge are positive when DISCHARGING (the
// chip reports charge as positive; we flip it once, here).
// FETs: configure() puts the chip in autonomous FET control (FET_EN) with host turn-off allowed
// (HOST_FETOFF_EN); setFets() then only ever forces a FET off, so the chip's own protections always win.
import { Bus, BusError, DeviceError, hex16, hex8 } from "./bus"

export const enum BQ76907_CMD {
    SAFETY_ALERT_A = 0x02,
    SAFETY_STATUS_A = 0x03,
    SAFETY_ALERT_B = 0x04,
    SAFETY_STATUS_B = 0x05,
    BATTERY_STATUS = 0x12,
    FET_CONTROL = 0x68,
    CELL1 = 0x14,
    STACK = 0x26,
    INT_TEMP = 0x28,
    TS = 0x2a,
    CC2 = 0x3a,
    SUBCMD = 0x3e,
    BUFFER = 0x40,
    CHECKSUM = 0x60,
    LENGTH = 0x61,
}

export const enum BQ76907_SUB {
    DEVICE_NUMBER = 0x0001,
    PASSQ = 0x0004,
    RESET_PASSQ = 0x0005,
    FET_ENABLE = 0x0022,
    SET_CFGUPDATE = 0x0090,
    EXIT_CFGUPDATE = 0x0092,
    /** Host balancing: the bit mask of cells to bleed (bit 0 = the bottom cell). */
    CB_ACTIVE_CELLS = 0x0083,
}

export const enum BQ76907_DM {
    VCELL_MODE = 0x901b,
    FET_OPTIONS = 0x901e,
}

// Tables of decimal numbers are JSON parsed once: in DeviceScript a string is data, while an array literal is
// code that builds the array. Hex tables stay literals, for reading. Tables of names are built where they are
// used (parsed strings would stay on the heap; module-level literals take the first, short string-table
// slots, which the names the code uses most should get).

/**
 * The protection registers armProtections writes and verifyProtections reads, in the order of encode(): their
 * data-memory addresses (the thresholds at 0 and 2 are 2 bytes, the rest 1), names and the unit of the value
 * each code stands for.
 */
// 0x9032, 0x9034, 0x902e, 0x9030, 0x9036, 0x9037, 0x9038, 0x9039, 0x903c, 0x903d, written in decimal: number
// tables are parsed from strings (a literal array is code that builds it, and the code space is tight).
const PROT_DM: number[] = JSON.parse("[36914, 36916, 36910, 36912, 36918, 36919, 36920, 36921, 36924, 36925]")
/**
 * Bit registers: Enabled Protections A (7 COV, 6 CUV, 5 SCD, 4 OCD1, 3 OCD2, 2 OCC) gets the five armed;
 * CHG FET Protections A (7 COV, 6 SCD, 5 OCC) gets COV and OCC, and loses SCD; DSG FET Protections A
 * (7 CUV, 6 SCD, 5 OCD1, 4 OCD2) gets CUV, SCD and OCD1. Address, bits set, bits cleared, ...
 */
// [0x9024, 0xf4, 0, 0x9027, 0xa0, 0x40, 0x9026, 0xe0, 0]
const PROT_BITS: number[] = JSON.parse("[36900, 244, 0, 36903, 160, 64, 36902, 224, 0]")
/**
 * Temperature protections OTC, OTD, UTC, UTD (armed only when asked for): data-memory address of the threshold
 * (delay at +1, recovery at +2), TS counts per threshold step, Enabled Protections B bit (5 OTD, 4 OTC, 3 UTD,
 * 2 UTC), bit in CHG FET Protections A (OTC 2, UTC 1; even index) or DSG FET Protections A (OTD 2, UTD 1).
 */
// TEMP_DM 0x9040, 0x9043, 0x9049, 0x904c; TEMP_EN_B 0x10, 0x20, 0x04, 0x08.
const TEMP_DM: number[] = JSON.parse("[36928, 36931, 36937, 36940]")
const TEMP_STEP: number[] = JSON.parse("[54, 54, 77, 77]")
const TEMP_EN_B: number[] = JSON.parse("[16, 32, 4, 8]")
const TEMP_FET: number[] = JSON.parse("[4, 4, 2, 2]")
/** The AfeProtectionConfig field of each PROT_DM register (its suffix is the unit). */
function protKeys(): string[] {
    return ["cov_mV", "covDelay_ms", "cuv_mV", "cuvDelay_ms", "occ_mA", "occDelay_ms", "ocd_mA", "ocdDelay_ms", "scd_mA", "scdDelay_us"]
}

/** The AfeProtectionConfig field of each temperature protection (TEMP_DM's order). */
function tempKeys(): string[] {
    return ["otc_C", "otd_C", "utc_C", "utd_C"]
}

/** Recovery this many threshold steps back toward normal (our choice; facts section 8); delay 15 unless asked. */
const TEMP_HYS = 5
const TEMP_DLY = 15
/** Safety Alert/Status A and Enabled Protections A bits. */
/** Safety Status A / the protections' enable bits (an enum: compile-time constants, no table at run time). */
export enum BQ76907_PROT {
    COV = 0x80,
    CUV = 0x40,
    SCD = 0x20,
    OCD1 = 0x10,
    OCD2 = 0x08,
    OCC = 0x04,
}
const FO_FET_EN = 0x04
const FO_HOST_FETOFF_EN = 0x40
const FC_DSG_OFF = 0x04
const FC_CHG_OFF = 0x08
const BS_FET_EN = 0x0100
const BS_CHG = 0x0008
const BS_DSG = 0x0004
/** SCD threshold codes 0..15 in mV and delay codes 0..10 in µs (TRM tables; the emulator uses them too). */
export const BQ76907_SCD_MV: number[] = JSON.parse('[10, 20, 40, 60, 80, 100, 125, 150, 175, 200, 250, 300, 350, 400, 450, 500]')
export const BQ76907_SCD_US: number[] = JSON.parse('[0, 15, 31, 61, 122, 244, 488, 977, 1953, 3906, 7797]')
/** OCC/OCD delay codes: 0 is the fastest (~0.46 ms), then four linear ranges: first code, last, base ms, step ms. */
const OC_RANGES: number[] = JSON.parse('[1, 64, 1.22, 0.305, 65, 128, 22.875, 2.44, 129, 192, 181.475, 4.88, 193, 255, 498.675, 9.76]')
const OC_FASTEST_MS = 0.46
const EPS = 1e-6

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
    /** The pack shunt on SRP/SRN, mOhm: turns the current protections' mA into the chip's mV. */
    shunt_mOhm: number
}

export function bq76907Defaults(cells: number): Bq76907Config {
    return { address: 0x08, cells, crc: false, ntcR25_Ohm: 10000, ntcB_K: 3435, shunt_mOhm: 1 }
}

/** The AFE's own protections: trip thresholds and how long each condition must hold. */
export interface AfeProtectionConfig {
    cov_mV: number; covDelay_ms: number
    cuv_mV: number; cuvDelay_ms: number
    occ_mA: number; occDelay_ms: number
    ocd_mA: number; ocdDelay_ms: number
    scd_mA: number; scdDelay_us: number
    /** Thermistor (TS) protections, °C, each armed only when given: over-temperature in charge / discharge
     * (rounded down), under-temperature in charge / discharge (rounded up); their common delay, s. */
    otc_C?: number; otd_C?: number; utc_C?: number; utd_C?: number
    tempDelay_s?: number
}

/** Tripped protections (Safety Status A, ocd = OCD1 or OCD2; B: 7 OTD, 6 OTC, 5 UTD, 4 UTC) and the raw
 * registers: bits 0-7 A, 8-15 B. */
export interface AfeSafety {
    cov: boolean; cuv: boolean; occ: boolean; ocd: boolean; scd: boolean
    otc: boolean; otd: boolean; utc: boolean; utd: boolean
    alertBits: number; statusBits: number
}

function clampInt(x: number, lo: number, hi: number): number {
    if (x < lo) return lo
    if (x > hi) return hi
    return x
}

/** OCC/OCD delay of a code, ms. */
export function bq76907OcDelay_ms(code: number): number {
    const r = OC_RANGES
    for (let k = 0; k < r.length; k += 4) if (code >= r[k]) if (code <= r[k + 1]) return r[k + 2] + (code - r[k]) * r[k + 3]
    return OC_FASTEST_MS
}

/** The longest OCC/OCD delay code not longer than `delay_ms` (code 0, the fastest, if none is). */
function ocDelayCode(delay_ms: number): number {
    const r = OC_RANGES
    let code = 0
    for (let k = 0; k < r.length; k += 4) if (delay_ms + EPS >= r[k + 2]) code = Math.min(r[k + 1], r[k] + Math.floor((delay_ms - r[k + 2]) / r[k + 3] + EPS))
    return code
}

/** The largest index whose table value is <= x (0 if none). */
function tableFloor(table: number[], x: number): number {
    let code = 0
    for (let i = 0; i < table.length; i++) if (table[i] <= x + EPS) code = i
    return code
}

/** One read-back mismatch: what `name` reads and what it was armed with, to 0.01 `unit`. */
function misread(name: string, got: number, want: number, unit: string): string {
    return `${name} reads ${Math.round(got * 100) / 100}${unit}, armed ${Math.round(want * 100) / 100}${unit}`
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
        for (let k = 0; k < 8; k++) crc = ((crc << 1) ^ ((crc & 0x80) !== 0 ? 0x07 : 0)) & 0xff
    }
    return crc
}

function le(bytes: number[], at: number, n: number): number {
    let v = 0
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (bytes[at + i] & 0xff)
    return v
}

function s16(v: number): number {
    if (v >= 0x8000) return v - 0x10000
    return v
}

export class Bq76907 {
    readonly cfg: Bq76907Config
    readonly bus: Bus

    constructor(bus: Bus, cfg: Bq76907Config) {
        if (!(cfg.cells >= 2 && cfg.cells <= 7)) throw new DeviceError(cfg.address, "BQ76907 supports 2 to 7 cells, not " + cfg.cells)
        this.bus = bus
        this.cfg = cfg
    }

    async probe(): Promise<void> {
        const d = await subcommand(this, BQ76907_SUB.DEVICE_NUMBER)
        // A short answer reads as a number below 256 here (missing bytes count 0): refused just the same.
        const dev = le(d, 0, 2)
        if (dev !== DEVICE_NUMBER)
            throw chipError(this, `device number ${hex16(dev)}, expected ${hex16(DEVICE_NUMBER)}; another AFE at this address?`)
    }

    /**
     * Tell the chip how many cells are connected and hand it the FETs (autonomous control, host turn-off
     * allowed: the firmware enables the pack path at boot), and check both took.
     */
    async configure(): Promise<void> {
        const want = vcellMode(this)
        const fo = (await dm8(this, BQ76907_DM.FET_OPTIONS)) | FO_FET_EN | FO_HOST_FETOFF_EN
        await configUpdate(this, [[BQ76907_DM.VCELL_MODE, want], [BQ76907_DM.FET_OPTIONS, fo]])
        const mode = await dm8(this, BQ76907_DM.VCELL_MODE)
        if (mode !== want) throw chipError(this, `Vcell Mode reads ${mode}, wrote ${want}`)
        const fo2 = await dm8(this, BQ76907_DM.FET_OPTIONS)
        if (fo2 !== fo) throw chipError(this, `FET Options reads ${hex8(fo2)}, wrote ${hex8(fo)}`)
    }

    /**
     * Arm COV, CUV, OCC, OCD1 and SCD in one CONFIG_UPDATE: thresholds rounded to the chip's steps toward
     * safety and delays toward shorter (a request past the chip's tightest setting gets the tightest, which the
     * result shows); COV and OCC open CHG, CUV, OCD and SCD open DSG. The temperature protections given (OTC and
     * UTC open CHG, OTD and UTD DSG) are armed too, with their recovery TEMP_HYS steps back. Returns what was armed.
     */
    async armProtections(p: AfeProtectionConfig): Promise<AfeProtectionConfig> {
        const scan = scan_ms(this)
        const c = encode(this, p, scan)
        const tc = encodeTemp(this, p)
        const b = bitPlan(tc)
        const w: number[][] = []
        for (let i = 0; i < PROT_DM.length; i++) {
            // The thresholds (0 and 2) are 2 bytes, little-endian; the other codes are below 256 (unchanged by the mask).
            const e = [PROT_DM[i], c[i] & 0xff]
            if (i === 0) e.push(c[i] >> 8)
            if (i === 2) e.push(c[i] >> 8)
            w.push(e)
        }
        for (let k = 0; k < tc.length; k += 4) for (let j = 0; j < 3; j++) w.push([TEMP_DM[tc[k]] + j, tc[k + 1 + j]])
        for (let k = 0; k < b.length; k += 3) w.push([b[k], ((await dm8(this, b[k])) | b[k + 1]) & ~b[k + 2]])
        await configUpdate(this, w)
        const r: any = {}
        const keys = protKeys()
        const temps = tempKeys()
        for (let i = 0; i < c.length; i++) r[keys[i]] = value(this, i, c[i], scan)
        for (let k = 0; k < tc.length; k += 4) {
            r[temps[tc[k]]] = tempValue(this, tc[k], 0, tc[k + 1])
            r.tempDelay_s = tempValue(this, 0, 1, tc[k + 2])
        }
        return r
    }

    /**
     * Read every protection register back against `armed`, and the cell count the COV/CUV delays' ADSCAN
     * depends on; one line per mismatch, [] when all match.
     */
    async verifyProtections(armed: AfeProtectionConfig): Promise<string[]> {
        const scan = scan_ms(this)
        const want = encode(this, armed, scan)
        const out: string[] = []
        const names = ["COV", "CUV", "OCC", "OCD1", "SCD"]
        // Register words: the PROT_DM registers alternate threshold (even) and delay (odd).
        const parts = [" threshold", " delay", " recovery"]
        const keys = protKeys()
        for (let i = 0; i < PROT_DM.length; i++) {
            // The thresholds (0 and 2) are 2 bytes, the rest 1.
            let n = 1
            if (i === 0) n = 2
            if (i === 2) n = 2
            const got = le(await bq76907ReadDataMemory(this, PROT_DM[i], n), 0, n)
            const key = keys[i]
            if (got !== want[i])
                out.push(misread(names[i >> 1] + parts[i & 1], value(this, i, got, scan), value(this, i, want[i], scan), " " + key.slice(key.length - 2)))
        }
        const vm = await dm8(this, BQ76907_DM.VCELL_MODE)
        const cells = vcellMode(this)
        if (vm !== cells) out.push(`Vcell Mode reads ${vm}, configured ${cells} (the COV/CUV delays are counted in ADSCANs)`)
        const tc = encodeTemp(this, armed)
        const temps = tempKeys()
        for (let k = 0; k < tc.length; k += 4) {
            const i = tc[k]
            for (let j = 0; j < 3; j++) {
                const got = await dm8(this, TEMP_DM[i] + j)
                const w = tc[k + 1 + j]
                let unit = " °C"
                if (j === 1) unit = " s"
                if (got !== w) out.push(misread(temps[i].slice(0, 3).toUpperCase() + parts[j], tempValue(this, i, j, got), tempValue(this, i, j, w), unit))
            }
        }
        const b = bitPlan(tc)
        const bitNames = ["Enabled Protections A", "CHG FET Protections A", "DSG FET Protections A", "Enabled Protections B"]
        for (let k = 0; k < b.length; k += 3) {
            const got = await dm8(this, b[k])
            const set = b[k + 1]
            const clear = b[k + 2]
            // The bits set and the bits cleared never overlap: one compare checks both.
            if ((got & (set | clear)) !== set)
                out.push(`${bitNames[k / 3]} reads ${hex8(got)}, armed with ${hex8(set)} set${clear !== 0 ? ` and ${hex8(clear)} clear` : ""}`)
        }
        return out
    }

    /**
     * The host's wish for the pack path. It can only hold a FET off (FET Control CHG_OFF / DSG_OFF); a FET
     * asked on is on unless one of the chip's protections holds it off. Turns autonomous control back on if
     * something turned it off.
     */
    async setFets(chg: boolean, dsg: boolean): Promise<void> {
        if (((await word(this, BQ76907_CMD.BATTERY_STATUS)) & BS_FET_EN) === 0) await command(this, BQ76907_SUB.FET_ENABLE)
        await writeBytes(this, BQ76907_CMD.FET_CONTROL, [(chg ? 0 : FC_CHG_OFF) | (dsg ? 0 : FC_DSG_OFF)])
    }

    /** Everything the supervisor needs once a second: 8 reads and one subcommand. */
    async read(): Promise<AfeReading> {
        const n = this.cfg.cells
        // Cells 1..n are consecutive LE words from 0x14: one transfer.
        const cells = await bq76907ReadBytes(this, BQ76907_CMD.CELL1, 2 * n)
        const cell_mV: number[] = []
        for (let i = 0; i < n; i++) cell_mV.push(s16(le(cells, 2 * i, 2)))
        const stack = await word(this, BQ76907_CMD.STACK)
        const cc2 = s16(await word(this, BQ76907_CMD.CC2))
        const die = s16(await word(this, BQ76907_CMD.INT_TEMP))
        const ts = await word(this, BQ76907_CMD.TS)
        const safety = await bq76907ReadBytes(this, BQ76907_CMD.SAFETY_STATUS_A, 3)
        const status = await word(this, BQ76907_CMD.BATTERY_STATUS)
        const q = await bq76907ReadPassq(this)
        return {
            cell_mV,
            stack_mV: stack,
            current_A: -cc2 / 1000,
            passq_C: q.charge_C,
            passqTime_s: q.time_s,
            dieTemp_C: die,
            ts_C: bq76907TsToCelsius(this, ts),
            safetyStatusA: safety[0],
            safetyStatusB: safety[2],
            batteryStatus: status,
        }
    }
}


// The chip's transfers, as functions (a method costs more code in DeviceScript).

/** Write `data` to command address `cmd` (CRC per byte when enabled). */
async function writeBytes(afe: Bq76907, cmd: number, data: number[]): Promise<void> {
    const a = afe.cfg.address
    const crc = afe.cfg.crc
    const out = [cmd]
    for (let i = 0; i < data.length; i++) {
        const d = data[i] & 0xff
        out.push(d)
        if (crc) out.push(crc8(i === 0 ? [(a << 1) & 0xff, cmd, d] : [d]))
    }
    await afe.bus.transfer(a, out, 0)
}

/** Read `n` bytes from command address `cmd` (checking and stripping CRCs when enabled). */
export async function bq76907ReadBytes(afe: Bq76907, cmd: number, n: number): Promise<number[]> {
    const a = afe.cfg.address
    const crc = afe.cfg.crc
    // With CRC every byte is followed by its CRC byte.
    let len = n
    if (crc) len = 2 * n
    const b = await afe.bus.transfer(a, [cmd], len)
    if (!b || b.length !== len) throw new BusError(a, `short read from ${where(afe)} at ${hex8(cmd)}`)
    if (!crc) return b
    const out: number[] = []
    for (let i = 0; i < n; i++) {
        const d = b[2 * i]
        const want = crc8(i === 0 ? [(a << 1) & 0xff, cmd, ((a << 1) | 1) & 0xff, d] : [d])
        if (b[2 * i + 1] !== want) throw chipError(afe, `CRC error reading ${hex8(cmd)} (garbled transfer)`)
        out.push(d)
    }
    return out
}

/** One 16-bit (little-endian) command register. */
async function word(afe: Bq76907, cmd: number): Promise<number> {
    return le(await bq76907ReadBytes(afe, cmd, 2), 0, 2)
}

/** The subcommand interface's checksum over a 16-bit word (subcommand or address) and its data. */
function checksum(word: number, data: number[]): number {
    let s = (word & 0xff) + ((word >> 8) & 0xff)
    for (const d of data) s += d
    return (~s) & 0xff
}

/** Start a subcommand and wait for the chip to take it (a command-only subcommand is then done). */
async function command(afe: Bq76907, id: number): Promise<void> {
    await writeBytes(afe, BQ76907_CMD.SUBCMD, [id & 0xff, (id >> 8) & 0xff])
    for (let i = 0; i < POLLS; i++) if ((await word(afe, BQ76907_CMD.SUBCMD)) === id) return
    throw chipError(afe, `subcommand ${hex16(id)} never completed`)
}

/** Run a subcommand and return its data, checked against the chip's checksum and length. */
async function subcommand(afe: Bq76907, id: number): Promise<number[]> {
    await command(afe, id)
    const len = (await bq76907ReadBytes(afe, BQ76907_CMD.LENGTH, 1))[0]
    if (len < 4 || len > 36) throw chipError(afe, `subcommand ${hex16(id)} reports length ${len}`)
    const data = len > 4 ? await bq76907ReadBytes(afe, BQ76907_CMD.BUFFER, len - 4) : []
    const sum = (await bq76907ReadBytes(afe, BQ76907_CMD.CHECKSUM, 1))[0]
    if (checksum(id, data) !== sum) throw chipError(afe, `checksum mismatch on subcommand ${hex16(id)}`)
    return data
}

/** Write a data-memory entry (inside CONFIG_UPDATE). */
async function writeDataMemory(afe: Bq76907, addr: number, data: number[]): Promise<void> {
    const out = [addr & 0xff, (addr >> 8) & 0xff]
    for (const d of data) out.push(d)
    await writeBytes(afe, BQ76907_CMD.SUBCMD, out)
    await writeBytes(afe, BQ76907_CMD.CHECKSUM, [checksum(addr, data), data.length + 4])
}

export async function bq76907ReadDataMemory(afe: Bq76907, addr: number, n: number): Promise<number[]> {
    const d = await subcommand(afe, addr)
    if (d.length < n) throw chipError(afe, `data memory ${hex16(addr)} returned ${d.length} bytes`)
    return d.slice(0, n)
}

/** Accumulated charge (C, positive = discharge) and the time it covers (s). */
export async function bq76907ReadPassq(afe: Bq76907): Promise<{ charge_C: number; time_s: number }> {
    const d = await subcommand(afe, BQ76907_SUB.PASSQ)
    if (d.length < 12) throw chipError(afe, `PASSQ returned ${d.length} bytes`)
    // 48-bit two's complement: the low 32 bits, then the upper 16 sign-extended to 32 bits.
    let hi = le(d, 4, 4)
    if (hi >= 0x80000000) hi -= 0x100000000
    const raw = hi * 4294967296 + le(d, 0, 4)
    // 0.25 userA*s per LSB with userA = 1 mA: 0.25 mC. The chip counts charge as positive.
    return { charge_C: -raw * 0.00025, time_s: le(d, 8, 4) * 0.25 }
}

/** The thermistor temperature from TS counts: code = 19660.8 * R / (R + 20 kOhm). */
export function bq76907TsToCelsius(afe: Bq76907, code: number): number {
    const ratio = code / 19660.8
    if (!(ratio > 0)) return NaN
    if (!(ratio < 1)) return NaN
    const r = (20000 * ratio) / (1 - ratio)
    const invT = 1 / 298.15 + Math.log(r / afe.cfg.ntcR25_Ohm) / afe.cfg.ntcB_K
    return 1 / invT - 273.15
}

// Protection encoding and small reads, as functions (a method costs more code in DeviceScript).

/** "BQ76907 at 0x..", for messages. */
function where(afe: Bq76907): string {
    return "BQ76907 at " + hex8(afe.cfg.address)
}

/** A DeviceError about this chip: "BQ76907 at 0x..: " and `what`. */
function chipError(afe: Bq76907, what: string): DeviceError {
    return new DeviceError(afe.cfg.address, `${where(afe)}: ${what}`)
}

/** Vcell Mode for the configured cell count (0 means all 7). */
function vcellMode(afe: Bq76907): number {
    const n = afe.cfg.cells
    if (n === 7) return 0
    return n
}

/**
 * Write data-memory entries, [address, data bytes...] each, in one CONFIG_UPDATE (the chip opens its FETs
 * there), and leave it whatever happens.
 */
async function configUpdate(afe: Bq76907, writes: number[][]): Promise<void> {
    try {
        await command(afe, BQ76907_SUB.SET_CFGUPDATE)
        if (((await word(afe, BQ76907_CMD.BATTERY_STATUS)) & CFGUPDATE_BIT) === 0) throw chipError(afe, "did not enter CONFIG_UPDATE")
        for (const w of writes) await writeDataMemory(afe, w[0], w.slice(1))
    } finally {
        await command(afe, BQ76907_SUB.EXIT_CFGUPDATE)
    }
}

/** One data-memory byte. */
async function dm8(afe: Bq76907, addr: number): Promise<number> {
    return (await bq76907ReadDataMemory(afe, addr, 1))[0]
}

/**
 * One ADSCAN (the unit of the COV/CUV delays), ms: a slot per configured cell plus the shared slot, each
 * 768 ticks of the 262.144 kHz LFO (ADC speeds and loop speed at their defaults: the firmware never changes
 * them; verifyProtections checks the cell count).
 */
function scan_ms(afe: Bq76907): number {
    return ((afe.cfg.cells + 1) * 768) / 262.144
}

/** One FULLSCAN (the TS measurement period, the unit of the temperature delays), s. */
function fullscan_s(afe: Bq76907): number {
    return (5 * scan_ms(afe)) / 1000
}

/** TS counts for a thermistor at temp_C (the inverse of bq76907TsToCelsius). */
function celsiusToTs(afe: Bq76907, temp_C: number): number {
    const r = afe.cfg.ntcR25_Ohm * Math.exp(afe.cfg.ntcB_K * (1 / (temp_C + 273.15) - 1 / 298.15))
    return (19660.8 * r) / (r + 20000)
}

/**
 * Codes of the temperature protections asked for, flat: index i (TEMP_DM's order), threshold, delay, recovery.
 * OT thresholds in more counts (cooler), UT in fewer (warmer): never looser than asked.
 */
function encodeTemp(afe: Bq76907, p: AfeProtectionConfig): number[] {
    const keys = tempKeys()
    const req: any = p
    const d = p.tempDelay_s
    let dly = TEMP_DLY
    if (d !== undefined) dly = clampInt(Math.floor(d / fullscan_s(afe) + EPS), 1, 255)
    const out: number[] = []
    for (let i = 0; i < 4; i++) {
        const t = req[keys[i]]
        if (t === undefined) continue
        const c = celsiusToTs(afe, t) / TEMP_STEP[i]
        let thr: number
        let rec: number
        if (i < 2) {
            thr = clampInt(Math.ceil(c - EPS), 1, 255)
            rec = thr + TEMP_HYS
        } else {
            thr = clampInt(Math.floor(c + EPS), 0, 255)
            rec = thr - TEMP_HYS
        }
        out.push(i, thr, dly, clampInt(rec, 0, 255))
    }
    return out
}

/** What temperature code c of register j (0 threshold, 1 delay, 2 recovery) of protection i stands for: °C or s. */
function tempValue(afe: Bq76907, i: number, j: number, c: number): number {
    if (j === 1) return c * fullscan_s(afe)
    return bq76907TsToCelsius(afe, c * TEMP_STEP[i])
}

/** PROT_BITS plus the temperature protections in `tc`: their FET bits, and Enabled Protections B if any. */
function bitPlan(tc: number[]): number[] {
    const b = PROT_BITS.slice(0)
    let en = 0
    for (let k = 0; k < tc.length; k += 4) {
        const i = tc[k]
        en |= TEMP_EN_B[i]
        // Even: a charge protection (CHG FET Protections A at 4); odd: discharge (DSG FET Protections A at 7).
        let at = 7
        if ((i & 1) === 0) at = 4
        b[at] = b[at] | TEMP_FET[i]
    }
    if (en !== 0) b.push(0x9025, en, 0)
    return b
}

/**
 * Register codes (PROT_DM's order): thresholds toward safety (lower COV, higher CUV, lower currents) and
 * delays toward shorter, within each register's range.
 */
function encode(afe: Bq76907, p: AfeProtectionConfig, scan_ms: number): number[] {
    const toMv = afe.cfg.shunt_mOhm / 1000
    return [
        clampInt(Math.floor(p.cov_mV + EPS), 0, 5500),
        clampInt(Math.floor(p.covDelay_ms / scan_ms + EPS), 1, 255),
        clampInt(Math.ceil(p.cuv_mV - EPS), 0, 5500),
        clampInt(Math.floor(p.cuvDelay_ms / scan_ms + EPS), 1, 255),
        clampInt(Math.floor((p.occ_mA * toMv) / 2 + EPS), 2, 62),
        ocDelayCode(p.occDelay_ms),
        clampInt(Math.floor((p.ocd_mA * toMv) / 2 + EPS), 2, 100),
        ocDelayCode(p.ocdDelay_ms),
        tableFloor(BQ76907_SCD_MV, p.scd_mA * toMv),
        tableFloor(BQ76907_SCD_US, p.scdDelay_us),
    ]
}

/** What code `c` of register i (PROT_DM's order) stands for: mV, ms, mA or us. */
function value(afe: Bq76907, i: number, c: number, scan_ms: number): number {
    const toMa = 1000 / afe.cfg.shunt_mOhm
    // COV and CUV: thresholds (even) in mV, delays (odd) in ADSCANs.
    if (i < 4) {
        if ((i & 1) === 0) return c
        return c * scan_ms
    }
    if (i === 8) return BQ76907_SCD_MV[c & 15] * toMa
    if (i === 9) return BQ76907_SCD_US[Math.min(10, c & 15)]
    if ((i & 1) === 0) return c * 2 * toMa
    return bq76907OcDelay_ms(c)
}

// Diagnostics the firmware does not need (it gets the same registers from read()): free functions rather
// than methods, so an image that never calls them does not carry them (DeviceScript keeps every method).

/** Safety Alert A/B (condition present) and Safety Status A/B (tripped), in one read. */
export async function bq76907Safety(afe: Bq76907): Promise<AfeSafety> {
    const b = await bq76907ReadBytes(afe, BQ76907_CMD.SAFETY_ALERT_A, 4)
    const st = b[1]
    return {
        cov: (st & BQ76907_PROT.COV) !== 0,
        cuv: (st & BQ76907_PROT.CUV) !== 0,
        occ: (st & BQ76907_PROT.OCC) !== 0,
        ocd: (st & (BQ76907_PROT.OCD1 | BQ76907_PROT.OCD2)) !== 0,
        scd: (st & BQ76907_PROT.SCD) !== 0,
        otd: (b[3] & 0x80) !== 0,
        otc: (b[3] & 0x40) !== 0,
        utd: (b[3] & 0x20) !== 0,
        utc: (b[3] & 0x10) !== 0,
        alertBits: b[0] | (b[2] << 8),
        statusBits: b[1] | (b[3] << 8),
    }
}

/** What the FET drivers do now (Battery Status CHG and DSG). */
export async function bq76907FetState(afe: Bq76907): Promise<{ chg: boolean; dsg: boolean }> {
    const s = await word(afe, BQ76907_CMD.BATTERY_STATUS)
    return { chg: (s & BS_CHG) !== 0, dsg: (s & BS_DSG) !== 0 }
}

/** Restart the accumulated charge (PASSQ) at zero. */
export async function bq76907ResetPassq(afe: Bq76907): Promise<void> {
    await command(afe, BQ76907_SUB.RESET_PASSQ)
}

/**
 * Bleed the cells in `mask` (bit 0 = the bottom cell; 0 stops balancing) through the AFE's balancing FETs
 * (CB_ACTIVE_CELLS), read back. Two adjacent cells at once are refused: their bleed paths share the cell
 * between them (hardware-facts 2). A free function until the supervisor uses it (code space).
 */
export async function bq76907SetBalancing(afe: Bq76907, mask: number): Promise<void> {
    const m = mask & 0x7f
    if ((m & (m >> 1)) !== 0) throw new DeviceError(afe.cfg.address, `BQ76907: balancing mask ${hex8(m)} has adjacent cells`)
    await writeDataMemory(afe, BQ76907_SUB.CB_ACTIVE_CELLS, [m])
    const back = (await subcommand(afe, BQ76907_SUB.CB_ACTIVE_CELLS))[0] & 0x7f
    if (back !== m) throw new DeviceError(afe.cfg.address, `BQ76907: CB_ACTIVE_CELLS reads ${hex8(back)}, wrote ${hex8(m)}`)
}
