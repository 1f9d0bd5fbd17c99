// Register-level emulator of the TI BQ76907 (2S-7S battery monitor and protector).
// Portable: runs in Node and in the DeviceScript VM (keep to the DeviceScript subset).
//
// Every register, unit and timing below comes from docs/bq76907-facts.md; the choices made where TI's documents were
// silent or contradictory are listed there (section numbers in brackets). In short:
// * I2C at the constructor's address, LE words, the command space 0x00-0x7F read as a byte array [1, 2].
//   Optional CRC-8 (poly 0x07) on every byte; a bad CRC on a write is discarded and throws BusError ("NACK") [1].
// * The chip reports charge current as positive; the plant gives discharge as positive, so the emulator
//   reports -packCurrent_A. userA = 1 mA (the board is assumed calibrated for its shunt) [3].
// * CC2 every 768/262144 s (IADCSPEED 0), CC1 and charge integration every 250 ms. PASSQ: signed 48-bit in
//   0.25 userA*s plus PASSTIME in 250 ms units. The integral keeps sub-LSB remainders (float accumulator) [3.4].
// * Voltages on an ADSCAN loop of (cells + 1) slots of 768/262144 s; the shared slot rotates through
//   Stack, Int Temperature, TS, REG18, VSS (a FULLSCAN is 5 ADSCANs) [5.1].
// * Subcommands through 0x3E/0x3F, buffer 0x40-0x5F, checksum 0x60, length 0x61; data memory 0x9000-0x907F,
//   written only in CONFIG_UPDATE with a valid checksum and length; measurements pause in CONFIG_UPDATE [4, 6].
// * Sensor errors (offset, gain, noise) from a seeded Park-Miller PRNG; closed-form stepping, no per-sample loops [7].
// * Protections COV, CUV (per ADSCAN, delay in ADSCANs, recovery by hysteresis) and OCC, OCD1, OCD2, SCD
//   (comparators on the shunt voltage, delays exact in emulated time, recovery after Recovery Time), gated by
//   Enabled Protections A; OTC, OTD, UTC, UTD on the TS counts and OTINT on the die temperature (per measurement,
//   once a FULLSCAN, delay in measurements, recovery at a threshold), gated by Enabled Protections B. Safety
//   Alert = condition present before the delay, Safety Status = tripped. The CHG/DSG FET drivers (autonomous with
//   FET_EN, host turn-off through FET Control, faults per CHG/DSG FET Protections A) and the ALERT pin (latched
//   Alarm Status under Alarm Enable) [8].
// Not modelled: watchdog and diagnostic protections, the current latch, PROT_RECOVERY, body-diode protection,
// SLEEP mode. Balancing: the CB_ACTIVE_CELLS mask is kept (balancing()); the board's bleed resistors are the
// world's (sim/board/world.ts), not the chip's.
import { I2cDevice } from "./emulated_bus"
import { BusError, hex8 } from "../../src/drivers/bus"
// The chip's own code tables (TRM), shared with the driver to keep the VM image small; the specs check them
// against the TRM's values independently.
import { BQ76907_SCD_MV, BQ76907_SCD_US, bq76907OcDelay_ms } from "../../src/drivers/bq76907"

// Direct commands
export const BQ76907_CONTROL_STATUS = 0x00
export const BQ76907_SAFETY_ALERT_A = 0x02
export const BQ76907_SAFETY_STATUS_A = 0x03
export const BQ76907_SAFETY_ALERT_B = 0x04
export const BQ76907_SAFETY_STATUS_B = 0x05
export const BQ76907_BATTERY_STATUS = 0x12
export const BQ76907_CELL1_VOLTAGE = 0x14
export const BQ76907_REG18_VOLTAGE = 0x22
export const BQ76907_VSS_VOLTAGE = 0x24
export const BQ76907_STACK_VOLTAGE = 0x26
export const BQ76907_INT_TEMPERATURE = 0x28
export const BQ76907_TS_MEASUREMENT = 0x2a
export const BQ76907_RAW_CURRENT = 0x36
export const BQ76907_CC2_CURRENT = 0x3a
export const BQ76907_CC1_CURRENT = 0x3c
export const BQ76907_SUBCMD_LOW = 0x3e
export const BQ76907_SUBCMD_HIGH = 0x3f
export const BQ76907_TRANSFER_BUFFER = 0x40
export const BQ76907_CHECKSUM = 0x60
export const BQ76907_LENGTH = 0x61
export const BQ76907_ALARM_STATUS = 0x62
export const BQ76907_ALARM_RAW_STATUS = 0x64
export const BQ76907_ALARM_ENABLE = 0x66
export const BQ76907_FET_CONTROL = 0x68
export const BQ76907_REGOUT_CONTROL = 0x69
export const BQ76907_DSG_PWM_CONTROL = 0x6a
export const BQ76907_CHG_PWM_CONTROL = 0x6c

// Subcommands
export const BQ76907_DEVICE_NUMBER = 0x0001
export const BQ76907_FW_VERSION = 0x0002
export const BQ76907_HW_VERSION = 0x0003
export const BQ76907_PASSQ = 0x0004
export const BQ76907_RESET_PASSQ = 0x0005
export const BQ76907_RESET = 0x0012
export const BQ76907_FET_ENABLE = 0x0022
export const BQ76907_CB_ACTIVE_CELLS = 0x0083
export const BQ76907_SET_CFGUPDATE = 0x0090
export const BQ76907_EXIT_CFGUPDATE = 0x0092
export const BQ76907_SLEEP_ENABLE = 0x0099
export const BQ76907_SLEEP_DISABLE = 0x009a

/** The value DEVICE_NUMBER returns (by analogy with BQ76905 = 0x7605; verify). */
export const BQ76907_DEVICE_ID = 0x7607

// Data memory (RAM registers)
export const BQ76907_DM_CURR_GAIN = 0x9006
export const BQ76907_DM_CURR_OFFSET = 0x9008
export const BQ76907_DM_TS_OFFSET = 0x900e
export const BQ76907_DM_POWER_CONFIG = 0x9014
export const BQ76907_DM_I2C_ADDRESS = 0x9016
export const BQ76907_DM_I2C_CONFIG = 0x9017
export const BQ76907_DM_DA_CONFIG = 0x9019
export const BQ76907_DM_VCELL_MODE = 0x901b
export const BQ76907_DM_DEFAULT_ALARM_MASK = 0x901c
export const BQ76907_DM_FET_OPTIONS = 0x901e
export const BQ76907_DM_ENABLED_PROT_A = 0x9024
export const BQ76907_DM_ENABLED_PROT_B = 0x9025

// Battery Status bits
const BS_SEC_FULLACCESS = 0x0400
const BS_FET_EN = 0x0100
const BS_POR = 0x0080
const BS_SLEEP_EN = 0x0040
const BS_CFGUPDATE = 0x0020
const BS_SS = 0x1000
const BS_SA = 0x2000
const BS_ALERTPIN = 0x0010
const BS_CHG = 0x0008
const BS_DSG = 0x0004

// Alarm bits
const AL_FULLSCAN = 0x0080
const AL_ADSCAN = 0x0040
const AL_INITCOMP = 0x0004
const AL_SSA = 0x8000
const AL_SSB = 0x4000
const AL_SAA = 0x2000
const AL_SAB = 0x1000
const AL_XCHG = 0x0800
const AL_XDSG = 0x0400
/** Level alarms: latched into Alarm Status while their raw condition holds (enabled ones only). */
const AL_LEVELS = 0xfc00

// Protections, in the emulator's order, and their bits in Safety Alert/Status as one 16-bit word (A in bits 0-7,
// B in bits 8-15; A's bits are also those of Enabled Protections A)
const PR_COV = 0
const PR_CUV = 1
const PR_OCC = 2
const PR_OCD1 = 3
const PR_OCD2 = 4
const PR_SCD = 5
const PR_OTC = 6
const PR_OTD = 7
const PR_OTINT = 10
const PR_N = 11
// B: 7 OTD, 6 OTC, 5 UTD, 4 UTC, 3 OTINT (TRM Safety Status B)
const PR_BIT = [0x80, 0x40, 0x04, 0x10, 0x08, 0x20, 0x4000, 0x8000, 0x1000, 0x2000, 0x0800]
/** Data-memory threshold and delay addresses per protection (COV/CUV hysteresis and the temperature recovery
 * thresholds: delay + 1) (facts section 8). Temperatures: OTC, OTD, UTC, UTD, OTINT. */
const PR_THR_DM = [0x9032, 0x902e, 0x9036, 0x9038, 0x903a, 0x903c, 0x9040, 0x9043, 0x9049, 0x904c, 0x9046]
const PR_DLY_DM = [0x9034, 0x9030, 0x9037, 0x9039, 0x903b, 0x903d, 0x9041, 0x9044, 0x904a, 0x904d, 0x9047]
/** TS counts per threshold step: OTC, OTD 54; UTC, UTD 77 (TRM data memory). */
const TS_STEP = [54, 54, 77, 77]
const DM_RECOVERY_TIME = 0x903f
// FET Control (0x68) and FET Options (0x901E) bits
const FC_DSG_ON = 0x01
const FC_CHG_ON = 0x02
const FC_DSG_OFF = 0x04
const FC_CHG_OFF = 0x08
const FO_FET_EN = 0x04
/** COV/CUV recovery hysteresis codes: 0 = no autonomous recovery, then 50, 100, 200 mV (our encoding, verify). */
const HYSTERESIS_MV = [0, 50, 100, 200]

const MAX_CELLS = 7
const LFO_HZ = 262144
const SLOT_TICKS = [768, 384, 192, 96]
const CC1_PERIOD_S = 0.25
/** PASSQ LSB in A*s: 0.25 userA*s with userA = 1 mA. */
const PASSQ_LSB_AS = 0.00025
/** TS codes for V_TS = V_REG18: 32768 * 3/5. */
const TS_FULL_SCALE = 19660.8
const TS_PULLUP_OHM = 20000
/** REG18 measured against VREF1: 1.8 V / (1.1962 V * 5/3 / 32768). */
const REG18_CODE = 29581
const SHARED_ITEMS = 5 // Stack, Int Temperature, TS, REG18, VSS
const EPS_S = 1e-9
const TWO_32 = 4294967296
const TWO_48 = 281474976710656
const PM_MOD = 2147483647
const PM_MUL = 48271

const DM_BASE = 0x9000
const DM_SIZE = 0x80
/** Address, width in bytes, default, ... of the data-memory entries the emulator knows (facts sections 6, 8;
 * one flat list: nested arrays cost the VM image more). */
const DM_TABLE: number[] = [
    0x9000, 2, 0, 0x9002, 2, 0, 0x9004, 1, 0, 0x9005, 1, 0, 0x9006, 2, 0, 0x9008, 2, 0,
    0x900a, 2, 0, 0x900c, 2, 0, 0x900e, 2, 0, 0x9010, 2, 0, 0x9012, 2, 0, 0x9014, 1, 0x01,
    0x9015, 1, 0x08, 0x9016, 1, 0x08, 0x9017, 2, 0x3400, 0x9019, 2, 0x0000, 0x901b, 1, 0x00,
    0x901c, 2, 0xc200, 0x901e, 1, 0x18, 0x901f, 1, 1, 0x9024, 1, 0xa1, 0x9025, 1, 0x00,
    // protections: DSG / CHG FET Protections A, CUV threshold, delay, hysteresis, COV the same, OCC, OCD1, OCD2
    // and SCD threshold and delay, Latch Limit, Recovery Time
    0x9026, 1, 0xff, 0x9027, 1, 0xe7, 0x902e, 2, 2500, 0x9030, 1, 10, 0x9031, 1, 1, 0x9032, 2, 4400,
    0x9034, 1, 10, 0x9035, 1, 1, 0x9036, 1, 2, 0x9037, 1, 6, 0x9038, 1, 10, 0x9039, 1, 6,
    0x903a, 1, 20, 0x903b, 1, 19, 0x903c, 1, 2, 0x903d, 1, 1, 0x903e, 1, 0, 0x903f, 1, 5,
    // temperatures: threshold, delay (measurements), recovery of OTC, OTD (54 TS counts), OTINT (°C), UTC, UTD
    // (77 TS counts)
    0x9040, 1, 55, 0x9041, 1, 15, 0x9042, 1, 62, 0x9043, 1, 48, 0x9044, 1, 15, 0x9045, 1, 55,
    0x9046, 1, 85, 0x9047, 1, 2, 0x9048, 1, 80, 0x9049, 1, 150, 0x904a, 1, 15, 0x904b, 1, 137,
    0x904c, 1, 147, 0x904d, 1, 15, 0x904e, 1, 134,
    0x9071, 1, 0, 0x9072, 1, 0,
]

// Indexes into the input / integral arrays
const IN_CURRENT = 0
const IN_DIE = 1
const IN_TS = 2
const IN_CELL0 = 3

export interface Bq76907Options {
    /** PRNG seed (default 1). */
    seed?: number
    /** I2C with CRC-8 on every byte (default false). */
    crc?: boolean
    /** Simulated time a subcommand reads back 0xFF 0xFF before it echoes (default 0). */
    subcommandDelay_s?: number
    /** NTC on the TS pin: resistance at 25 °C (default 10 kOhm) and B constant (default 3435 K). */
    ntcR25_Ohm?: number
    ntcBeta?: number
    /** The part's OTP sets FET Options[FET_EN]: autonomous FETs from power-up (default false: the blank part's
     * FETs stay off until the host enables them). */
    fetEnabledAtPowerUp?: boolean
}

export interface Bq76907Errors {
    /** Added to the measured current, in the chip's sign (charge positive), amps. */
    currentOffset_A?: number
    /** Multiplies the measured current. */
    currentGain?: number
    /** 1-sigma noise of one CC2 result, amps. */
    currentNoise_A?: number
    /** 1-sigma noise of one cell-voltage result, volts. */
    cellNoise_V?: number
    /** Per-cell offset, volts (missing entries are 0). */
    cellOffset_V?: number[]
    /** 1-sigma noise of one temperature result, °C. */
    tempNoise_C?: number
}

function roundHalfAway(x: number): number {
    return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5)
}

function clampNum(x: number, lo: number, hi: number): number {
    if (x < lo) return lo
    if (x > hi) return hi
    return x
}

/** CRC-8, polynomial 0x07, init 0 (facts section 1). */
export function bq76907Crc8(bytes: number[]): number {
    let crc = 0
    for (const b of bytes) {
        crc = (crc ^ (b & 0xff)) & 0xff
        for (let i = 0; i < 8; i++) {
            if ((crc & 0x80) !== 0) crc = ((crc << 1) ^ 0x07) & 0xff
            else crc = (crc << 1) & 0xff
        }
    }
    return crc
}

/** Subcommand / data-memory checksum: ~(id_lo + id_hi + sum of data) & 0xFF. */
export function bq76907Checksum(id: number, data: number[]): number {
    let sum = (id & 0xff) + ((id >> 8) & 0xff)
    for (const b of data) sum += b & 0xff
    return ~sum & 0xff
}

/** A periodic conversion: its period, the open window and the integrals at the window's start. */
class ConvTimer {
    period_s = 1
    next_s = 0
    start_s = 0
    f0: number[] = []
    count = 0
}

export class Bq76907Emulator implements I2cDevice {
    readonly address: number
    private nCells: number
    private shunt_Ohm: number
    private crcMode: boolean
    private subDelay_s: number
    private ntcR25: number
    private ntcBeta: number
    private otpFetEn: boolean
    private rng = 1

    // error model
    private errOffset_A = 0
    private errGain = 1
    private errCurrentNoise_A = 0
    private errCellNoise_V = 0
    private errCellOffset_V: number[] = []
    private errTempNoise_C = 0

    // plant inputs and their running integrals (see IN_*)
    private x: number[] = []
    private F: number[] = []
    private now_s = 0

    private cc2 = new ConvTimer()
    private cc1 = new ConvTimer()
    private adscan = new ConvTimer()

    // results (signed values, not byte layout)
    private cellReg: number[] = []
    private stackReg = 0
    private intTempReg = 0
    private tsReg = 0
    private reg18Reg = 0
    private vssReg = 0
    private cc2Reg = 0
    private cc1Reg = 0
    private passqAcc = 0 // PASSQ LSBs (0.25 mA*s), with fraction
    private passTime = 0 // 250 ms units

    // status and control
    /** Safety Alert / Status A (bits 0-7) and B (bits 8-15). */
    private safetyAlert = 0
    private safetyStatus = 0
    private cfgUpdate = false
    private por = true
    private fetEn = false
    private hostFetOffEn = false
    private hostFetOnEn = false
    private sleepEn = true
    private initComp = false
    private alarmLatched = 0
    private alarmEnable = 0xc200
    private fetControl = 0
    private regoutControl = 0
    private dsgPwm = 0
    private chgPwm = 0
    private cbActive = 0

    /** The host's balancing mask (CB_ACTIVE_CELLS): bit i bleeds cell i (0 = bottom) through the board's resistors. */
    balancing(): number {
        return this.cbActive
    }
    private controlStatusOnce = false

    // subcommand interface
    private pointer = 0
    private subLo = 0
    private subHi = 0
    private busyUntil_s = 0
    private buffer: number[] = []
    private checksumReg = 0
    private lengthReg = 0

    private dm: number[] = []

    // protections: settings decoded from data memory (at reset and on leaving CONFIG_UPDATE) and state
    /** Enabled Protections A, and B mapped onto the Safety Status B bits (bits 8-15). */
    private enabled = 0
    /** Safety Status bits that open CHG / DSG (from CHG / DSG FET Protections A). */
    private chgFaults = 0
    private dsgFaults = 0
    /** COV/CUV: threshold and hysteresis in mV, delay in ADSCANs; comparators: threshold in V, delay in s;
     * temperatures: threshold and recovery in TS counts (OTINT: °C; recovery 0 = none), delay in measurements. */
    private prThr: number[] = []
    private prDelay: number[] = []
    private prHys: number[] = []
    private recovery_s = 0
    /** ADSCANs (COV/CUV) or seconds (comparators) the condition has held. */
    private prCount: number[] = []
    private prTrip_s: number[] = []
    private lastTrip_s = -1

    constructor(address: number, cells: number, shunt_Ohm: number, options?: Bq76907Options) {
        this.address = address
        this.nCells = clampNum(Math.floor(cells), 1, MAX_CELLS)
        this.shunt_Ohm = shunt_Ohm
        const o: Bq76907Options = options ? options : {}
        this.crcMode = o.crc === true
        this.subDelay_s = o.subcommandDelay_s !== undefined ? o.subcommandDelay_s : 0
        this.ntcR25 = o.ntcR25_Ohm !== undefined ? o.ntcR25_Ohm : 10000
        this.ntcBeta = o.ntcBeta !== undefined ? o.ntcBeta : 3435
        this.otpFetEn = o.fetEnabledAtPowerUp === true
        const seed = o.seed !== undefined ? o.seed : 1
        const s = Math.floor(Math.abs(seed))
        this.rng = s - Math.floor(s / (PM_MOD - 1)) * (PM_MOD - 1) + 1
        // typical-accuracy defaults (facts section 7)
        this.errCurrentNoise_A = 7.6e-6 / shunt_Ohm
        this.errCellNoise_V = 0.00018
        this.errTempNoise_C = 0.2
        for (let i = 0; i < IN_CELL0 + MAX_CELLS; i++) {
            this.x.push(0)
            this.F.push(0)
        }
        this.x[IN_DIE] = 25
        this.x[IN_TS] = 25
        for (let i = 0; i < 32; i++) this.buffer.push(0)
        for (let i = 0; i < MAX_CELLS; i++) this.cellReg.push(0)
        for (let i = 0; i < DM_SIZE; i++) this.dm.push(0)
        for (let k = 0; k < PR_N; k++) {
            this.prThr.push(0)
            this.prDelay.push(0)
            this.prHys.push(0)
            this.prCount.push(0)
            this.prTrip_s.push(0)
        }
        this.resetAll()
    }

    // ---------------------------------------------------------------------------------------------------------
    // Plant side and inspection

    /** Physical truth: cell voltages (V, bottom first), pack current (A, positive = discharge), die and TS °C. */
    setInputs(cellVoltages_V: number[], packCurrent_A: number, dieTemp_C: number, tsTemp_C: number): void {
        for (let i = 0; i < MAX_CELLS; i++) {
            const v = i < this.nCells && cellVoltages_V && i < cellVoltages_V.length ? cellVoltages_V[i] : 0
            this.x[IN_CELL0 + i] = v
        }
        this.x[IN_CURRENT] = packCurrent_A
        this.x[IN_DIE] = dieTemp_C
        this.x[IN_TS] = tsTemp_C
    }

    /** Sensor error model; fields left out keep their value. Defaults: facts section 7. */
    setErrors(e: Bq76907Errors): void {
        if (!e) return
        if (e.currentOffset_A !== undefined) this.errOffset_A = e.currentOffset_A
        if (e.currentGain !== undefined) this.errGain = e.currentGain
        if (e.currentNoise_A !== undefined) this.errCurrentNoise_A = e.currentNoise_A
        if (e.cellNoise_V !== undefined) this.errCellNoise_V = e.cellNoise_V
        if (e.cellOffset_V !== undefined) this.errCellOffset_V = e.cellOffset_V.slice(0)
        if (e.tempNoise_C !== undefined) this.errTempNoise_C = e.tempNoise_C
    }

    /** Accumulated charge as PASSQ represents it, with the sub-LSB remainder, in coulombs (charge positive). */
    passqCharge_C(): number {
        return this.passqAcc * PASSQ_LSB_AS
    }

    /** The CC2 Current register in amps (chip sign: charge positive). */
    lastCC2_A(): number {
        return this.cc2Reg / 1000
    }

    /** Number of cells connected (constructor argument). */
    cells(): number {
        return this.nCells
    }

    /** Whether the CHG FET driver is on (charge current may flow into the pack). */
    chgOn(): boolean {
        return this.fetOn(this.chgFaults, FC_CHG_ON, FC_CHG_OFF)
    }

    /** Whether the DSG FET driver is on (the pack may discharge). */
    dsgOn(): boolean {
        return this.fetOn(this.dsgFaults, FC_DSG_ON, FC_DSG_OFF)
    }

    /** The ALERT pin: asserted while any enabled bit of Alarm Status is set. */
    alertAsserted(): boolean {
        return (this.alarmLatched & this.alarmEnable) !== 0
    }

    /** Emulated time (since power-up) of the most recent protection trip (Safety Status set), seconds; -1 if none. */
    lastTripTime_s(): number {
        return this.lastTrip_s
    }

    /** Advance simulated time in closed form: conversions complete on the chip's schedule. */
    step(dt_s: number): void {
        if (!(dt_s > 0)) return
        const t1 = this.now_s + dt_s
        if (!this.cfgUpdate) {
            this.runCc2(t1)
            this.runCc1(t1)
            this.runAdscan(t1)
            this.evaluateProtections(dt_s)
        }
        for (let k = 0; k < this.x.length; k++) this.F[k] += this.x[k] * dt_s
        this.now_s = t1
    }

    // ---------------------------------------------------------------------------------------------------------
    // I2C

    transfer(write: number[], readLength: number): number[] {
        let hadCommand = false
        if (write && write.length > 0) {
            const cmd = write[0] & 0xff
            const data = this.crcMode ? this.decodeCrcWrite(write) : write.slice(1)
            hadCommand = true
            this.pointer = cmd
            for (let i = 0; i < data.length; i++) this.writeByte(cmd + i, data[i] & 0xff)
        }
        const out: number[] = []
        if (!(readLength > 0)) return out
        const nData = this.crcMode ? Math.floor((readLength + 1) / 2) : readLength
        const bytes: number[] = []
        for (let i = 0; i < nData; i++) bytes.push(this.readByte(this.pointer + i))
        this.controlStatusOnce = false // 0xFFA5 is returned once, by the read right after the write
        if (!this.crcMode) return bytes
        const addrW = (this.address << 1) & 0xff
        const addrR = addrW | 1
        for (let i = 0; i < nData && out.length < readLength; i++) {
            out.push(bytes[i])
            if (out.length >= readLength) break
            let crc = 0
            if (i > 0) crc = bq76907Crc8([bytes[i]])
            else if (hadCommand) crc = bq76907Crc8([addrW, this.pointer, addrR, bytes[0]])
            else crc = bq76907Crc8([addrR, bytes[0]])
            out.push(crc)
        }
        return out
    }

    private nack(message: string): BusError {
        return new BusError(this.address, "NACK from " + hex8(this.address) + ": " + message)
    }

    /** Data bytes of a CRC-mode write; throws (NACK) on a missing or wrong CRC, before anything is written. */
    private decodeCrcWrite(write: number[]): number[] {
        const addrW = (this.address << 1) & 0xff
        const data: number[] = []
        for (let i = 1; i < write.length; i += 2) {
            if (i + 1 >= write.length) throw this.nack("data byte without CRC")
            const d = write[i] & 0xff
            const expected = i === 1 ? bq76907Crc8([addrW, write[0] & 0xff, d]) : bq76907Crc8([d])
            if ((write[i + 1] & 0xff) !== expected) throw this.nack("bad CRC")
            data.push(d)
        }
        return data
    }

    private busy(): boolean {
        return this.now_s < this.busyUntil_s - EPS_S
    }

    private readByte(addr: number): number {
        if (addr > 0x7f) return 0
        if (addr >= BQ76907_SUBCMD_LOW && addr <= BQ76907_LENGTH && this.busy()) return 0xff
        if (addr >= BQ76907_CELL1_VOLTAGE && addr < BQ76907_CELL1_VOLTAGE + 2 * MAX_CELLS) {
            const i = (addr - BQ76907_CELL1_VOLTAGE) >> 1
            return this.wordByte(this.cellReg[i], addr - BQ76907_CELL1_VOLTAGE - 2 * i)
        }
        if (addr >= BQ76907_TRANSFER_BUFFER && addr < BQ76907_CHECKSUM) return this.buffer[addr - BQ76907_TRANSFER_BUFFER]
        const base = addr & 0x7e
        const hi = addr - base
        switch (base) {
            case BQ76907_CONTROL_STATUS: return this.wordByte(this.controlStatusOnce ? 0xffa5 : 0, hi)
            case BQ76907_SAFETY_ALERT_A: return (hi === 0 ? this.safetyAlert : this.safetyStatus) & 0xff
            case BQ76907_SAFETY_ALERT_B: return (hi === 0 ? this.safetyAlert : this.safetyStatus) >> 8
            case BQ76907_BATTERY_STATUS: return this.wordByte(this.batteryStatus(), hi)
            case BQ76907_REG18_VOLTAGE: return this.wordByte(this.reg18Reg, hi)
            case BQ76907_VSS_VOLTAGE: return this.wordByte(this.vssReg, hi)
            case BQ76907_STACK_VOLTAGE: return this.wordByte(this.stackReg, hi)
            case BQ76907_INT_TEMPERATURE: return this.wordByte(this.intTempReg, hi)
            case BQ76907_TS_MEASUREMENT: return this.wordByte(this.tsReg, hi)
            case BQ76907_CC2_CURRENT: return this.wordByte(this.cc2Reg, hi)
            case BQ76907_CC1_CURRENT: return this.wordByte(this.cc1Reg, hi)
            case BQ76907_SUBCMD_LOW: return hi === 0 ? this.subLo : this.subHi
            case BQ76907_CHECKSUM: return hi === 0 ? this.checksumReg : this.lengthReg
            case BQ76907_ALARM_STATUS: return this.wordByte(this.alarmLatched, hi)
            case BQ76907_ALARM_RAW_STATUS: return this.wordByte(this.alarmRaw(), hi)
            case BQ76907_ALARM_ENABLE: return this.wordByte(this.alarmEnable, hi)
            case BQ76907_FET_CONTROL: return hi === 0 ? this.fetControl : this.regoutControl
            case BQ76907_DSG_PWM_CONTROL: return this.wordByte(this.dsgPwm, hi)
            case BQ76907_CHG_PWM_CONTROL: return this.wordByte(this.chgPwm, hi)
        }
        return 0 // reserved, Raw Current (not modelled) and anything past 0x7F
    }

    private wordByte(v: number, hi: number): number {
        const w = v & 0xffff
        return hi === 0 ? w & 0xff : (w >> 8) & 0xff
    }

    private setWordByte(v: number, hi: number, b: number): number {
        return hi === 0 ? (v & 0xff00) | b : (v & 0x00ff) | (b << 8)
    }

    private writeByte(addr: number, b: number): void {
        if (addr >= BQ76907_TRANSFER_BUFFER && addr < BQ76907_CHECKSUM) {
            this.buffer[addr - BQ76907_TRANSFER_BUFFER] = b
            return
        }
        switch (addr) {
            case BQ76907_CONTROL_STATUS:
            case BQ76907_SUBCMD_LOW:
                this.subLo = b
                if (addr === BQ76907_CONTROL_STATUS) this.controlStatusOnce = true
                return
            case BQ76907_CONTROL_STATUS + 1:
            case BQ76907_SUBCMD_HIGH:
                this.subHi = b
                if (addr === BQ76907_CONTROL_STATUS + 1) this.controlStatusOnce = true
                this.startSubcommand((this.subHi << 8) | this.subLo)
                return
            case BQ76907_CHECKSUM: this.checksumReg = b; return
            case BQ76907_LENGTH:
                this.lengthReg = b
                this.commitWrite()
                return
            case BQ76907_ALARM_STATUS: this.alarmLatched = this.alarmLatched & ~b; return
            case BQ76907_ALARM_STATUS + 1: this.alarmLatched = this.alarmLatched & ~(b << 8); return
            case BQ76907_ALARM_ENABLE: this.alarmEnable = this.setWordByte(this.alarmEnable, 0, b); return
            case BQ76907_ALARM_ENABLE + 1: this.alarmEnable = this.setWordByte(this.alarmEnable, 1, b); return
            case BQ76907_FET_CONTROL: this.fetControl = b; return
            case BQ76907_REGOUT_CONTROL: this.regoutControl = b; return
            case BQ76907_DSG_PWM_CONTROL: this.dsgPwm = this.setWordByte(this.dsgPwm, 0, b); return
            case BQ76907_DSG_PWM_CONTROL + 1: this.dsgPwm = this.setWordByte(this.dsgPwm, 1, b); return
            case BQ76907_CHG_PWM_CONTROL: this.chgPwm = this.setWordByte(this.chgPwm, 0, b); return
            case BQ76907_CHG_PWM_CONTROL + 1: this.chgPwm = this.setWordByte(this.chgPwm, 1, b); return
        }
        // read-only and reserved addresses: ignored
    }

    private batteryStatus(): number {
        let v = BS_SEC_FULLACCESS
        if (this.fetEn) v |= BS_FET_EN
        if (this.por) v |= BS_POR
        if (this.sleepEn) v |= BS_SLEEP_EN
        if (this.cfgUpdate) v |= BS_CFGUPDATE
        if (this.safetyStatus !== 0) v |= BS_SS
        if (this.safetyAlert !== 0) v |= BS_SA
        if (this.alertAsserted()) v |= BS_ALERTPIN
        if (this.chgOn()) v |= BS_CHG
        if (this.dsgOn()) v |= BS_DSG
        return v
    }

    private alarmRaw(): number {
        let v = this.initComp ? AL_INITCOMP : 0
        if ((this.safetyStatus & 0xff) !== 0) v |= AL_SSA
        if ((this.safetyStatus >> 8) !== 0) v |= AL_SSB
        if ((this.safetyAlert & 0xff) !== 0) v |= AL_SAA
        if ((this.safetyAlert >> 8) !== 0) v |= AL_SAB
        if (!this.chgOn()) v |= AL_XCHG
        if (!this.dsgOn()) v |= AL_XDSG
        return v
    }

    /**
     * One FET driver: off in CONFIG_UPDATE and while a fault mapped to it is tripped; otherwise on in autonomous
     * mode (FET_EN) unless the host forced it off (HOST_FETOFF_EN), or in host mode only if forced on (HOST_FETON_EN).
     */
    private fetOn(faults: number, onBit: number, offBit: number): boolean {
        if (this.cfgUpdate || (this.safetyStatus & faults) !== 0) return false
        if (this.fetEn) return !(this.hostFetOffEn && (this.fetControl & offBit) !== 0)
        return this.hostFetOnEn && (this.fetControl & onBit) !== 0
    }

    // ---------------------------------------------------------------------------------------------------------
    // Subcommands and data memory

    private startSubcommand(id: number): void {
        this.busyUntil_s = this.now_s + this.subDelay_s
        for (let i = 0; i < 32; i++) this.buffer[i] = 0
        let data: number[] = []
        let width = -1
        if (id >= DM_BASE && id < DM_BASE + DM_SIZE) {
            for (let i = 0; i < 32; i++) this.buffer[i] = id + i < DM_BASE + DM_SIZE ? this.dm[id + i - DM_BASE] : 0
            width = this.dmWidth(id)
            data = this.buffer.slice(0, width)
        } else {
            switch (id) {
                case BQ76907_DEVICE_NUMBER:
                    data = [BQ76907_DEVICE_ID & 0xff, BQ76907_DEVICE_ID >> 8]
                    break
                case BQ76907_FW_VERSION: // three big-endian words: device, firmware, build (placeholders)
                    data = [BQ76907_DEVICE_ID >> 8, BQ76907_DEVICE_ID & 0xff, 0x01, 0x00, 0x00, 0x01]
                    break
                case BQ76907_HW_VERSION:
                    data = [0, 0]
                    break
                case BQ76907_PASSQ:
                    data = this.passqBytes()
                    break
                case BQ76907_RESET_PASSQ:
                    this.passqAcc = 0
                    this.passTime = 0
                    break
                case BQ76907_RESET:
                    this.resetAll()
                    break
                case BQ76907_FET_ENABLE: // toggles FET Options[FET_EN] in RAM
                    this.fetEn = !this.fetEn
                    this.dm[BQ76907_DM_FET_OPTIONS - DM_BASE] = this.dm[BQ76907_DM_FET_OPTIONS - DM_BASE] ^ FO_FET_EN
                    break
                case BQ76907_CB_ACTIVE_CELLS:
                    data = [this.cbActive]
                    break
                case BQ76907_SET_CFGUPDATE:
                    this.cfgUpdate = true
                    break
                case BQ76907_EXIT_CFGUPDATE:
                    if (this.cfgUpdate) {
                        this.cfgUpdate = false
                        this.por = false
                        this.loadProtections()
                        this.restartTimers()
                    }
                    break
                case BQ76907_SLEEP_ENABLE:
                    this.sleepEn = true
                    break
                case BQ76907_SLEEP_DISABLE:
                    this.sleepEn = false
                    break
            }
            for (let i = 0; i < data.length; i++) this.buffer[i] = data[i]
        }
        this.subLo = id & 0xff
        this.subHi = (id >> 8) & 0xff
        this.checksumReg = bq76907Checksum(id, data)
        this.lengthReg = 4 + data.length
    }

    /** A write to 0x61 commits the transfer buffer if checksum and length are valid. */
    private commitWrite(): void {
        const len = this.lengthReg
        if (len < 5 || len > 36) return
        const n = len - 4
        const id = (this.subHi << 8) | this.subLo
        const data = this.buffer.slice(0, n)
        if (bq76907Checksum(id, data) !== this.checksumReg) return
        if (id >= DM_BASE && id < DM_BASE + DM_SIZE) {
            if (!this.cfgUpdate) return
            for (let i = 0; i < n && id + i < DM_BASE + DM_SIZE; i++) this.dm[id + i - DM_BASE] = data[i]
        } else if (id === BQ76907_CB_ACTIVE_CELLS) {
            this.cbActive = data[0] & 0x7f
        }
    }

    private dmWidth(addr: number): number {
        for (let k = 0; k < DM_TABLE.length; k += 3) if (DM_TABLE[k] === addr) return DM_TABLE[k + 1]
        return 1
    }

    private dmRead(addr: number, width: number): number {
        let v = 0
        for (let i = width - 1; i >= 0; i--) v = v * 256 + this.dm[addr + i - DM_BASE]
        return v
    }

    private dmReadI2(addr: number): number {
        const v = this.dmRead(addr, 2)
        return v >= 0x8000 ? v - 0x10000 : v
    }

    private passqBytes(): number[] {
        let q = Math.floor(this.passqAcc + 1e-7) // guard against float noise just below an integer
        q = clampNum(q, -TWO_48 / 2, TWO_48 / 2 - 1)
        if (q < 0) q += TWO_48
        const hi16 = Math.floor(q / TWO_32)
        const lo32 = q - hi16 * TWO_32
        const hi32 = hi16 >= 0x8000 ? hi16 + (TWO_32 - 0x10000) : hi16
        const t = clampNum(this.passTime, 0, TWO_32 - 1)
        const out: number[] = []
        this.pushU32(out, lo32)
        this.pushU32(out, hi32)
        this.pushU32(out, t)
        return out
    }

    private pushU32(out: number[], v: number): void {
        let r = v
        for (let i = 0; i < 4; i++) {
            const q = Math.floor(r / 256)
            out.push(r - q * 256)
            r = q
        }
    }

    /** Power-on / RESET: data memory to defaults, results cleared, measurement windows restarted. */
    private resetAll(): void {
        for (let i = 0; i < DM_SIZE; i++) this.dm[i] = 0
        for (let k = 0; k < DM_TABLE.length; k += 3) {
            let v = DM_TABLE[k + 2]
            for (let i = 0; i < DM_TABLE[k + 1]; i++) {
                const q = Math.floor(v / 256)
                this.dm[DM_TABLE[k] - DM_BASE + i] = v - q * 256
                v = q
            }
        }
        if (this.otpFetEn) this.dm[BQ76907_DM_FET_OPTIONS - DM_BASE] |= FO_FET_EN
        for (let i = 0; i < MAX_CELLS; i++) this.cellReg[i] = 0
        this.stackReg = 0
        this.intTempReg = 0
        this.tsReg = 0
        this.reg18Reg = 0
        this.vssReg = 0
        this.cc2Reg = 0
        this.cc1Reg = 0
        this.passqAcc = 0
        this.passTime = 0
        this.safetyAlert = 0
        this.safetyStatus = 0
        this.cfgUpdate = false
        this.por = true
        this.sleepEn = (this.dmRead(BQ76907_DM_POWER_CONFIG, 1) & 0x01) !== 0
        this.initComp = false
        this.alarmLatched = 0
        this.alarmEnable = this.dmRead(BQ76907_DM_DEFAULT_ALARM_MASK, 2)
        this.fetControl = 0
        this.regoutControl = 0
        this.dsgPwm = 0
        this.chgPwm = 0
        this.cbActive = 0
        this.controlStatusOnce = false
        this.adscan.count = 0
        for (let k = 0; k < PR_N; k++) this.prCount[k] = 0
        this.lastTrip_s = -1
        this.loadProtections()
        this.restartTimers()
    }

    // ---------------------------------------------------------------------------------------------------------
    // Measurement schedule

    /** Cells the ADC schedules (Vcell Mode; 0 or out of range = all 7). */
    private scheduledCells(): number {
        const m = this.dmRead(BQ76907_DM_VCELL_MODE, 1)
        return m >= 2 && m <= MAX_CELLS ? m : MAX_CELLS
    }

    /** Open new windows for every conversion at the current time (power-on, RESET, exit of CONFIG_UPDATE). */
    private restartTimers(): void {
        const da = this.dmRead(BQ76907_DM_DA_CONFIG, 2)
        const cvSlot = SLOT_TICKS[(da >> 4) & 3] / LFO_HZ
        const iSlot = SLOT_TICKS[(da >> 2) & 3] / LFO_HZ
        const ssSlot = SLOT_TICKS[da & 3] / LFO_HZ
        const loopSlow = (this.dmRead(BQ76907_DM_POWER_CONFIG, 1) >> 6) & 3
        this.openTimer(this.cc2, iSlot)
        this.openTimer(this.cc1, CC1_PERIOD_S)
        this.openTimer(this.adscan, (this.scheduledCells() * cvSlot + ssSlot) * (1 << loopSlow))
    }

    private openTimer(t: ConvTimer, period_s: number): void {
        t.period_s = period_s
        t.start_s = this.now_s
        t.next_s = this.now_s + period_s
        t.f0 = this.F.slice(0)
    }

    /** Running integral of input k at time t inside the current step (inputs constant within a step). */
    private fAt(k: number, t: number): number {
        return this.F[k] + this.x[k] * (t - this.now_s)
    }

    /** Conversions of `t` that complete by time t1. */
    private completions(t: ConvTimer, t1: number): number {
        if (t.next_s > t1 + EPS_S) return 0
        return Math.floor((t1 + EPS_S - t.next_s) / t.period_s) + 1
    }

    /** Average of input k over the window ending at tEnd; j = index of that completion within this step. */
    private windowAvg(t: ConvTimer, k: number, j: number, tEnd: number): number {
        if (j > 0) return this.x[k] // the whole window lies inside this step
        const w = tEnd - t.start_s
        return w > 0 ? (this.fAt(k, tEnd) - t.f0[k]) / w : this.x[k]
    }

    /** Close the timer's windows after n completions; the last one ended at tn. Inputs 0 .. nInputs-1 matter. */
    private advanceTimer(t: ConvTimer, n: number, tn: number, nInputs: number): void {
        t.start_s = tn
        t.next_s = tn + t.period_s
        for (let k = 0; k < nInputs; k++) t.f0[k] = this.F[k] + this.x[k] * (tn - this.now_s)
        t.count += n
    }

    /** Measured current in amps, chip sign (charge positive), before noise. */
    private measuredCurrent(plantCurrent_A: number): number {
        return this.errGain * -plantCurrent_A + this.errOffset_A
    }

    private toUserA(i_A: number): number {
        return clampNum(roundHalfAway(i_A * 1000), -32768, 32767)
    }

    private runCc2(t1: number): void {
        const n = this.completions(this.cc2, t1)
        if (n < 1) return
        const tn = this.cc2.next_s + (n - 1) * this.cc2.period_s
        const avg = this.windowAvg(this.cc2, IN_CURRENT, n - 1, tn)
        this.cc2Reg = this.toUserA(this.measuredCurrent(avg) + this.noise(this.errCurrentNoise_A))
        this.advanceTimer(this.cc2, n, tn, IN_CURRENT + 1)
    }

    /** CC1 results and charge integration: n results in closed form (one noise draw for the n-1 earlier ones). */
    private runCc1(t1: number): void {
        const n = this.completions(this.cc1, t1)
        if (n < 1) return
        const T = this.cc1.period_s
        const tn = this.cc1.next_s + (n - 1) * T
        const sigma1 = this.errCurrentNoise_A * Math.sqrt(this.cc2.period_s / T)
        // Windows tile [start, tn]: their plant-current integral, then the error model applied to it.
        const q_As = this.fAt(IN_CURRENT, tn) - this.cc1.f0[IN_CURRENT]
        let measured_As = this.errGain * -q_As + this.errOffset_A * n * T
        const lastNoise = this.noise(sigma1)
        measured_As += lastNoise * T
        if (n > 1) measured_As += this.noise(sigma1 * Math.sqrt(n - 1)) * T
        this.passqAcc += measured_As / PASSQ_LSB_AS
        this.passTime += n
        const avg = this.windowAvg(this.cc1, IN_CURRENT, n - 1, tn)
        this.cc1Reg = this.toUserA(this.measuredCurrent(avg) + lastNoise)
        this.advanceTimer(this.cc1, n, tn, IN_CURRENT + 1)
    }

    /** ADSCAN loops: cells from the last one, the shared slot from each of the last (up to) five. */
    private runAdscan(t1: number): void {
        const n = this.completions(this.adscan, t1)
        if (n < 1) return
        const T = this.adscan.period_s
        const first = this.adscan.next_s
        const tn = first + (n - 1) * T
        const nMeas = Math.min(this.scheduledCells(), this.nCells)
        let stack = 0
        for (let i = 0; i < MAX_CELLS; i++) {
            if (i >= nMeas) {
                this.cellReg[i] = 0
                continue
            }
            const v = this.windowAvg(this.adscan, IN_CELL0 + i, n - 1, tn)
            stack += v
            const off = i < this.errCellOffset_V.length ? this.errCellOffset_V[i] : 0
            this.cellReg[i] = clampNum(roundHalfAway((v + off + this.noise(this.errCellNoise_V)) * 1000), -32768, 32767)
        }
        const j0 = n > SHARED_ITEMS ? n - SHARED_ITEMS : 0
        for (let j = j0; j < n; j++) {
            const scan = this.adscan.count + j
            const item = scan - Math.floor(scan / SHARED_ITEMS) * SHARED_ITEMS
            const tEnd = first + j * T
            if (item === 0) {
                let s = 0
                for (let i = 0; i < nMeas; i++) s += this.windowAvg(this.adscan, IN_CELL0 + i, j, tEnd)
                const sigma = this.errCellNoise_V * Math.sqrt(nMeas)
                this.stackReg = clampNum(roundHalfAway((s + this.noise(sigma)) * 1000), 0, 65535)
            } else if (item === 1) {
                const tc = this.windowAvg(this.adscan, IN_DIE, j, tEnd) + this.noise(this.errTempNoise_C)
                this.intTempReg = clampNum(roundHalfAway(tc), -32768, 32767)
            } else if (item === 2) {
                const tc = this.windowAvg(this.adscan, IN_TS, j, tEnd) + this.noise(this.errTempNoise_C)
                this.tsReg = this.tsCode(tc)
            } else if (item === 3) {
                this.reg18Reg = REG18_CODE
            } else {
                this.vssReg = 0
            }
        }
        this.voltageProtections(n, first, T, nMeas)
        this.tempProtections(n, first, T)
        const before = this.adscan.count
        this.advanceTimer(this.adscan, n, tn, this.F.length)
        let events = AL_ADSCAN
        if (Math.floor(this.adscan.count / SHARED_ITEMS) > Math.floor(before / SHARED_ITEMS)) {
            events |= AL_FULLSCAN
            if (!this.initComp) events |= AL_INITCOMP
            this.initComp = true
        }
        this.alarmLatched = this.alarmLatched | (events & this.alarmEnable)
    }

    /** TS Measurement counts for a thermistor at temp_C (ratiometric against the 20 kOhm pull-up), minus TS Offset. */
    private tsCode(temp_C: number): number {
        const r = this.ntcR25 * Math.exp(this.ntcBeta * (1 / (temp_C + 273.15) - 1 / 298.15))
        const code = roundHalfAway((TS_FULL_SCALE * r) / (r + TS_PULLUP_OHM)) - this.dmReadI2(BQ76907_DM_TS_OFFSET)
        return clampNum(code, 0, 65535)
    }

    // ---------------------------------------------------------------------------------------------------------
    // Protections (facts section 8)

    /** Decode the protection settings from data memory (power-up, RESET, leaving CONFIG_UPDATE). */
    private loadProtections(): void {
        // Enabled Protections B: 5 OTD, 4 OTC, 3 UTD, 2 UTC, 1 OTINT -> Safety Status B 7 ... 3
        this.enabled = this.dmRead(BQ76907_DM_ENABLED_PROT_A, 1) | ((this.dmRead(BQ76907_DM_ENABLED_PROT_B, 1) & 0x3e) << 10)
        // DSG FET Protections A: 7 CUV, 6 SCD, 5 OCD1, 4 OCD2, 2 OTD, 1 UTD, 0 OTINT; CHG FET Protections A: 7 COV,
        // 6 SCD, 5 OCC, 2 OTC, 1 UTC, 0 OTINT
        const d = this.dmRead(0x9026, 1)
        const c = this.dmRead(0x9027, 1)
        this.dsgFaults = ((d & 0xf0) >> 1) | ((d & 0x04) << 13) | ((d & 0x02) << 12) | ((d & 0x01) << 11)
        this.chgFaults = (c & 0x80) | ((c & 0x40) >> 1) | ((c & 0x20) >> 3) | ((c & 0x04) << 12) | ((c & 0x02) << 11) | ((c & 0x01) << 11)
        const fo = this.dmRead(BQ76907_DM_FET_OPTIONS, 1)
        this.fetEn = (fo & FO_FET_EN) !== 0
        this.hostFetOffEn = (fo & 0x40) !== 0
        this.hostFetOnEn = (fo & 0x20) !== 0
        for (let k = 0; k < PR_N; k++) {
            const dly = this.dmRead(PR_DLY_DM[k], 1)
            if (k === PR_COV || k === PR_CUV) {
                // mV (I2), delay in ADSCANs (0 taken as 1), hysteresis code at the next address
                this.prThr[k] = this.dmReadI2(PR_THR_DM[k])
                this.prDelay[k] = Math.max(1, dly)
                this.prHys[k] = HYSTERESIS_MV[Math.min(3, this.dmRead(PR_DLY_DM[k] + 1, 1))]
            } else if (k >= PR_OTC) {
                // one byte each: threshold, delay in measurements (0 taken as 1), recovery (0: none, verify)
                const step = k === PR_OTINT ? 1 : TS_STEP[k - PR_OTC]
                let thr = this.dmRead(PR_THR_DM[k], 1)
                let rec = this.dmRead(PR_DLY_DM[k] + 1, 1)
                if (k === PR_OTINT) {
                    thr = thr >= 0x80 ? thr - 0x100 : thr // I1 °C
                    rec = rec >= 0x80 ? rec - 0x100 : rec
                }
                this.prThr[k] = thr * step
                this.prDelay[k] = Math.max(1, dly)
                this.prHys[k] = rec * step
            } else if (k === PR_SCD) {
                this.prThr[k] = BQ76907_SCD_MV[this.dmRead(PR_THR_DM[k], 1) & 0x0f] / 1000
                this.prDelay[k] = BQ76907_SCD_US[Math.min(10, dly & 0x0f)] / 1e6
            } else {
                // OCC 2..62, OCD 2..100, in 2 mV units (the data-memory table's reading; see facts), volts
                this.prThr[k] = clampNum(this.dmRead(PR_THR_DM[k], 1), 2, k === PR_OCC ? 62 : 100) * 0.002
                this.prDelay[k] = bq76907OcDelay_ms(dly) / 1000
            }
            if ((this.enabled & PR_BIT[k]) === 0) this.clearProtection(k)
        }
        this.recovery_s = this.dmRead(DM_RECOVERY_TIME, 1)
    }

    private clearProtection(k: number): void {
        this.safetyAlert &= ~PR_BIT[k]
        this.safetyStatus &= ~PR_BIT[k]
        this.prCount[k] = 0
    }

    /**
     * One protection over `amount` more of its delay unit (ADSCANs or seconds) during which `over` held: the alert
     * while it holds, the trip when the count reaches the delay, at time base + (what was left) * unit; a tripped
     * protection waits for `recovered`. The alert gives way to the status (verify).
     */
    private check(k: number, over: boolean, recovered: boolean, amount: number, base: number, unit: number): void {
        const bit = PR_BIT[k]
        if ((this.enabled & bit) === 0) return
        if ((this.safetyStatus & bit) !== 0) {
            if (!recovered) return
            this.clearProtection(k)
        }
        if (!over) {
            this.clearProtection(k)
            return
        }
        this.safetyAlert |= bit
        const left = this.prDelay[k] - this.prCount[k]
        if (amount < left - EPS_S) {
            this.prCount[k] += amount
            return
        }
        this.safetyAlert &= ~bit
        this.safetyStatus |= bit
        this.prCount[k] = 0
        this.lastTrip_s = base + Math.max(0, left) * unit
        this.prTrip_s[k] = this.lastTrip_s
    }

    /** COV and CUV at the end of n ADSCANs (the first ends at first_s, period T) from this step's results. */
    private voltageProtections(n: number, first_s: number, T: number, nMeas: number): void {
        if (nMeas < 1) return
        let hi = this.cellReg[0]
        let lo = this.cellReg[0]
        for (let i = 1; i < nMeas; i++) {
            hi = Math.max(hi, this.cellReg[i])
            lo = Math.min(lo, this.cellReg[i])
        }
        // autonomous recovery once past the threshold by the hysteresis (hysteresis code 0: never)
        const cov = this.prThr[PR_COV]
        const hc = this.prHys[PR_COV]
        this.check(PR_COV, hi > cov, hc > 0 && hi < cov - hc, n, first_s - T, T)
        const cuv = this.prThr[PR_CUV]
        const hu = this.prHys[PR_CUV]
        this.check(PR_CUV, lo < cuv, hu > 0 && lo > cuv + hu, n, first_s - T, T)
    }

    /**
     * The temperature protections at the end of n ADSCANs (the first ends at first_s, period T): TS (OTC, OTD, UTC,
     * UTD) and die temperature (OTINT) are measured in shared slots 2 and 1 of each FULLSCAN; each measurement in
     * this step counts toward the delay, judged on the latest result. OT on TS: counts below the threshold (hot),
     * recovery at or above the recovery counts; UT: above, recovery at or below; OTINT: °C above, recovery at or
     * below. Recovery 0 disables autonomous recovery (verify).
     */
    private tempProtections(n: number, first_s: number, T: number): void {
        const c0 = this.adscan.count
        for (let k = PR_OTC; k < PR_N; k++) {
            const q = k === PR_OTINT ? 1 : 2
            const s0 = c0 + ((q - (c0 % SHARED_ITEMS) + SHARED_ITEMS) % SHARED_ITEMS)
            if (s0 > c0 + n - 1) continue
            const m = Math.floor((c0 + n - 1 - s0) / SHARED_ITEMS) + 1
            const v = k === PR_OTINT ? this.intTempReg : this.tsReg
            const thr = this.prThr[k]
            const rec = this.prHys[k]
            const low = k <= PR_OTD // OT on TS trips on low counts
            const over = low ? v < thr : v > thr
            this.check(k, over, rec > 0 && (low ? v >= rec : v <= rec), m, first_s + (s0 - c0 - SHARED_ITEMS) * T, SHARED_ITEMS * T)
        }
    }

    /**
     * The comparators (OCC, OCD1, OCD2, SCD) on the true shunt voltage over this step (recovery Recovery Time
     * after the trip; 0 = never), then the level alarms. COV/CUV already ran at this step's ADSCANs (runAdscan).
     */
    private evaluateProtections(dt_s: number): void {
        const t0 = this.now_s
        const t1 = t0 + dt_s
        const v = this.x[IN_CURRENT] * this.shunt_Ohm // discharge positive
        for (let k = PR_OCC; k <= PR_SCD; k++) {
            const back = this.prTrip_s[k] + this.recovery_s
            const rec = this.recovery_s > 0 && t1 >= back - EPS_S
            const from = rec && (this.safetyStatus & PR_BIT[k]) !== 0 ? Math.max(t0, back) : t0
            this.check(k, (k === PR_OCC ? -v : v) > this.prThr[k], rec, t1 - from, from, 1)
        }
        this.alarmLatched = this.alarmLatched | (this.alarmRaw() & this.alarmEnable & AL_LEVELS)
    }

    // ---------------------------------------------------------------------------------------------------------
    // Deterministic noise

    /** Park-Miller minimal standard (multiplier 48271), floor-based modulo so it is exact in the VM too. */
    private uniform(): number {
        const p = this.rng * PM_MUL
        this.rng = p - Math.floor(p / PM_MOD) * PM_MOD
        return this.rng / PM_MOD
    }

    /** N(0, sigma) by the Marsaglia polar method (no trigonometry: DeviceScript has no Math.cos). */
    private noise(sigma: number): number {
        if (!(sigma > 0)) return 0
        while (true) {
            const u = 2 * this.uniform() - 1
            const v = 2 * this.uniform() - 1
            const s = u * u + v * v
            if (s > 0 && s < 1) return sigma * u * Math.sqrt((-2 * Math.log(s)) / s)
        }
    }
}
