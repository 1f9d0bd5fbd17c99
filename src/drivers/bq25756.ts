// BQ25756 buck-boost battery charge controller (TI), the box's charger. Portable: talks only to the Bus.
// Register facts with sources: docs/bq25756-facts.md (datasheet SLUSEN5). In short:
//   I2C 0x6B; 16-bit registers are LITTLE-endian (low byte at the register address), written in one transfer.
//   00h VFB_REG bits 4:0: 1504 mV + 2 mV * code, the FB regulation point. The charge voltage itself comes from
//       the board's FB divider: Vbat = nominal * VFB_REG / 1536 mV, so I2C only trims it by -2.08 % .. +1.95 %.
//   02h ICHG, 10h IPRECHG, 12h ITERM: code in bits 9:2 or 10:2, 50 mA per step with the fixed 5 mOhm RBAT_SNS.
//   06h IAC_DPM bits 10:2: 0.25 mV / RAC_SNS per step (50 mA at 5 mOhm). 08h VAC_DPM bits 13:2: 20 mV per step.
//   14h EN_TERM/VBAT_LOWV/EN_PRECHG, 15h WATCHDOG bits 5:4, 17h WD_RST b5, EN_CHG_BIT_RESET_BEHAVIOR b3,
//       EN_HIZ b2, EN_CHG b0. 21h CHARGE_STAT 2:0, WD_STAT b3. 22h PG_STAT b7, TS_STAT 6:4. 24h fault bits 7:1.
//   2Bh ADC_EN b7. ADC (signed where currents): 2Dh IAC 4 uV/RAC_SNS, 2Fh IBAT 2 mA, 31h VAC 2 mV, 33h VBAT 2 mV,
//       37h TS 100/1024 % of REGN. There is no die-temperature channel. 3Dh PART_NUM bits 6:3 = 2.
import { Bus, BusError, DeviceError, hex16, hex8 } from "./bus"

export enum BQ25756_REG {
    VFB_REG = 0x00,
    ICHG = 0x02,
    IAC_DPM = 0x06,
    VAC_DPM = 0x08,
    IPRECHG = 0x10,
    ITERM = 0x12,
    PRECHG_TERM_CTRL = 0x14,
    TIMER_CTRL = 0x15,
    CHARGER_CTRL = 0x17,
    STATUS1 = 0x21,
    STATUS2 = 0x22,
    STATUS3 = 0x23,
    FAULT_STATUS = 0x24,
    FAULT_FLAG = 0x27,
    ADC_CTRL = 0x2b,
    ADC_CHANNEL_CTRL = 0x2c,
    IAC_ADC = 0x2d,
    IBAT_ADC = 0x2f,
    VAC_ADC = 0x31,
    VBAT_ADC = 0x33,
    TS_ADC = 0x37,
    VFB_ADC = 0x39,
    PART_INFO = 0x3d,
}

/** Our fault kinds, a bit mask. Bits 0..6 are FAULT_STATUS (24h) bits 1..7 shifted down by one. */
export enum BQ25756_FAULT {
    DRV_SUPPLY = 0x01,
    SAFETY_TIMER = 0x02,
    THERMAL_SHUTDOWN = 0x04,
    BATTERY_OV = 0x08,
    BATTERY_OC = 0x10,
    INPUT_OV = 0x20,
    INPUT_UV = 0x40,
    WATCHDOG = 0x80,
    TS_COLD = 0x100,
    TS_HOT = 0x200,
}

/** Faults that stop charging: readStatus() says "fault". Input UV is just "no adapter", DRV_SUPPLY reads set in
 * battery-only mode, and an expired watchdog stops charging by itself (EN_CHG resets to 0, as configured). */
export const BQ25756_STOPPING_FAULTS =
    BQ25756_FAULT.SAFETY_TIMER |
    BQ25756_FAULT.THERMAL_SHUTDOWN |
    BQ25756_FAULT.BATTERY_OV |
    BQ25756_FAULT.BATTERY_OC |
    BQ25756_FAULT.INPUT_OV |
    BQ25756_FAULT.TS_COLD |
    BQ25756_FAULT.TS_HOT

export const BQ25756_ADDRESS = 0x6b
/** The watchdog bq25756Configure() programs (WATCHDOG = 01b); the chip may fire up to ~19 % early, so kick well inside. */
export const BQ25756_WATCHDOG_ms = 40000
/** VFB_REG: 1504 mV + 2 mV * code, code 0..31; the divider's nominal is defined at code 0x10 (1536 mV). */
export const BQ25756_VFB_MIN_mV = 1504
export const BQ25756_VFB_NOM_mV = 1536
const PART_NUM = 2

export interface Bq25756Settings {
    /** Pack voltage the board's FB divider gives at VFB_REG = 1536 mV (the nominal the trim works around). */
    dividerNominal_mV: number
    /** Per pack; must lie within the trim range of the divider, else bq25756Configure() refuses. */
    chargeVoltage_mV: number
    chargeCurrent_mA: number
    inputCurrent_mA: number
    inputVoltageMin_mV: number
    prechargeCurrent_mA: number
    termCurrent_mA: number
    chargeEnabled: boolean
}

export interface Bq25756Status {
    /** "off" | "precharge" | "cc" | "cv" | "topoff" | "done" | "fault" */
    state: string
    /** BQ25756_FAULT bits. */
    faults: number
    inputPowerGood: boolean
}

export interface Bq25756Adc {
    vbus_mV: number
    ibus_mA: number
    vbat_mV: number
    /** Positive while charging (verify the sign on hardware). */
    ibat_mA: number
    /** Always NaN: the BQ25756 has no die-temperature ADC (only the thermal-shutdown flag). */
    dieTemp_C: number
    ts_pct: number
}

/**
 * The value for a limit register whose code sits in bits n:2: the code for `value` in steps of `lsb`, rounded
 * down, shifted into place. Above `max`: clamped to `max` (the chip would clamp too). Below `min`: clamped up
 * to `min` when `lowOk` (the higher value is the cautious side), else refused with DeviceError, as is NaN.
 */
function limitValue(chip: Bq25756, value: number, lsb: number, min: number, max: number, lowOk: boolean, what: string): number {
    let c = Math.floor(value / lsb + 1e-9)
    // Clamped up where that is the cautious side; NaN is not below anything: it stays NaN and is refused next.
    if (c < min) {
        if (lowOk) c = min
    }
    if (!(c >= min)) throw new DeviceError(chip.address, `BQ25756 ${what} ${value} is below the chip's minimum ${min * lsb}`)
    return (c > max ? max : c) << 2
}

/** VFB_REG code for a charge voltage with a divider whose nominal is `nominal_mV`, rounded down; -1 if the trim
 * cannot reach it (outside nominal * 1504/1536 .. nominal * 1566/1536). */
export function bq25756VfbCode(charge_mV: number, nominal_mV: number): number {
    const c = Math.floor(((charge_mV * BQ25756_VFB_NOM_mV) / nominal_mV - BQ25756_VFB_MIN_mV) / 2 + 1e-6)
    if (c >= 0) {
        if (c <= 31) return c
    }
    return -1 // also NaN
}

/** A 16-bit two's-complement value, sign-extended (shifts work on 32-bit integers). */
function signed16(v: number): number {
    return (v << 16) >> 16
}

async function readRegs(chip: Bq25756, reg: number, n: number): Promise<number[]> {
    const address = chip.address
    const b = await chip.bus.transfer(address, [reg], n)
    if (!b || b.length !== n) throw new BusError(address, `short read from ${hex8(address)} reg ${hex8(reg)}`)
    return b
}

/**
 * Write register/value pairs from a flat list [reg, value, reg, value, ...], each read back. Registers below
 * 14h are 16-bit, written little-endian in one transfer; the rest are 8-bit.
 */
async function writeChecked(chip: Bq25756, plan: number[]): Promise<void> {
    const address = chip.address
    for (let i = 0; i < plan.length; i += 2) {
        const reg = plan[i]
        const value = plan[i + 1]
        const wide = reg < 0x14
        const bytes = [reg, value & 0xff]
        if (wide) bytes.push(value >> 8)
        await chip.bus.transfer(address, bytes, 0)
        const b = await readRegs(chip, reg, bytes.length - 1)
        let got = b[0]
        if (wide) got |= b[1] << 8
        if (got !== value) throw new DeviceError(address, `BQ25756 register ${hex8(reg)} reads ${hex16(got)}, wrote ${hex16(value)}`)
    }
}

/**
 * The BQ25756. Its operations are the module functions below it (no methods: a method costs image space in
 * the prototype setup and heap at start; a free function is compiled into an image only when it is called).
 */
export class Bq25756 {
    readonly bus: Bus
    readonly address: number
    /** Input sense resistor RAC_SNS (the battery one is fixed at 5 mOhm by the datasheet). */
    readonly acSense_mOhm: number
    /** What was last written to CHARGER_CTRL (17h), for the watchdog kick. */
    ctrl = 0xc0

    constructor(bus: Bus, address: number, acSense_mOhm = 5) {
        this.bus = bus
        this.address = address
        this.acSense_mOhm = acSense_mOhm
    }
}

/**
 * Program every limit, then the control registers, each read back. Every code is worked out before the first
 * write, so a refused setting changes nothing. Clamped: currents above the range, VINDPM and ITERM below it
 * (raising them is cautious). Refused: a charge voltage the trim cannot reach, charge, precharge and input
 * currents below the minimum. The watchdog is set to 40 s and its expiry stops charging (EN_CHG resets to 0).
 */
export async function bq25756Configure(chip: Bq25756, s: Bq25756Settings): Promise<void> {
    const vfb = bq25756VfbCode(s.chargeVoltage_mV, s.dividerNominal_mV)
    if (vfb < 0)
        throw new DeviceError(chip.address, `BQ25756 charge voltage ${s.chargeVoltage_mV} mV is outside the trim range of the ${s.dividerNominal_mV} mV divider`)
    const ctrl = s.chargeEnabled ? 0xc1 : 0xc0 // VRECHG 97.6 %, EN_CHG_BIT_RESET_BEHAVIOR 0, no HIZ, EN_CHG
    const plan = [
        BQ25756_REG.VFB_REG, vfb,
        BQ25756_REG.ICHG, limitValue(chip, s.chargeCurrent_mA, 50, 8, 400, false, "charge current mA"),
        BQ25756_REG.IAC_DPM, limitValue(chip, s.inputCurrent_mA, 250 / chip.acSense_mOhm, 8, 400, false, "input current mA"),
        BQ25756_REG.VAC_DPM, limitValue(chip, s.inputVoltageMin_mV, 20, 210, 3250, true, "input voltage mV"),
        BQ25756_REG.IPRECHG, limitValue(chip, s.prechargeCurrent_mA, 50, 5, 200, false, "precharge current mA"),
        BQ25756_REG.ITERM, limitValue(chip, s.termCurrent_mA, 50, 5, 200, true, "termination current mA"),
        BQ25756_REG.PRECHG_TERM_CTRL, 0x0f, // EN_TERM, VBAT_LOWV 71.4 %, EN_PRECHG
        BQ25756_REG.TIMER_CTRL, 0x1d, // watchdog 40 s, safety timer 12 h (x2 in DPM)
        BQ25756_REG.ADC_CTRL, 0x80, // ADC on, continuous, 15-bit; the default channels (all but VFB) stay
        BQ25756_REG.CHARGER_CTRL, ctrl,
    ]
    // Stopping charging goes first, starting it last: no moment charges with half-written limits.
    if (ctrl === 0xc0) await writeChecked(chip, [BQ25756_REG.CHARGER_CTRL, ctrl])
    await writeChecked(chip, plan)
    chip.ctrl = ctrl
}

/**
 * Reset the watchdog (WD_RST, self-clearing). If it has already expired the chip is back at its default limits
 * (20 A charge current, not charging, ADC off): throws DeviceError without writing, so the caller configures
 * again (a write would put it back in host mode and hide the expiry).
 */
export async function bq25756KickWatchdog(chip: Bq25756): Promise<void> {
    const s = (await readRegs(chip, BQ25756_REG.STATUS1, 1))[0]
    if ((s & 8) !== 0) throw new DeviceError(chip.address, "BQ25756 watchdog expired: limits are back at their defaults, configure again")
    await chip.bus.transfer(chip.address, [BQ25756_REG.CHARGER_CTRL, chip.ctrl | 0x20], 0)
}

/** The ADC results (bq25756Configure() turns the ADC on). Two reads: 35h/36h are not in the register map. */
export async function bq25756ReadAdc(chip: Bq25756): Promise<Bq25756Adc> {
    const b = await readRegs(chip, BQ25756_REG.IAC_ADC, 8) // 2Dh..34h: IAC, IBAT, VAC, VBAT
    const t = await readRegs(chip, BQ25756_REG.TS_ADC, 2)
    return {
        vbus_mV: (b[4] | (b[5] << 8)) * 2,
        ibus_mA: (signed16(b[0] | (b[1] << 8)) * 4) / chip.acSense_mOhm,
        vbat_mV: (b[6] | (b[7] << 8)) * 2,
        ibat_mA: signed16(b[2] | (b[3] << 8)) * 2,
        dieTemp_C: NaN,
        ts_pct: ((t[0] | (t[1] << 8)) * 100) / 1024,
    }
}

/** Check that the chip at the driver's address is a BQ25756 (PART_NUM in 3Dh). */
export async function bq25756Probe(chip: Bq25756): Promise<void> {
    const v = (await readRegs(chip, BQ25756_REG.PART_INFO, 1))[0]
    const pn = (v >> 3) & 15
    if (pn !== PART_NUM)
        throw new DeviceError(chip.address, `no BQ25756 at ${hex8(chip.address)}: part information (reg 0x3d) reads ${hex8(v)}, PART_NUM ${pn}, expected ${PART_NUM}`)
}

/** Charge current limit (clamped at 20 A, refused below 400 mA). */
export async function bq25756SetChargeCurrent_mA(chip: Bq25756, mA: number): Promise<void> {
    await writeChecked(chip, [BQ25756_REG.ICHG, limitValue(chip, mA, 50, 8, 400, false, "charge current mA")])
}

/** Input current limit and VINDPM, e.g. after a new PD contract (same clamping as bq25756Configure). */
export async function bq25756SetInputLimits(chip: Bq25756, inputCurrent_mA: number, inputVoltageMin_mV: number): Promise<void> {
    await writeChecked(chip, [
        BQ25756_REG.IAC_DPM, limitValue(chip, inputCurrent_mA, 250 / chip.acSense_mOhm, 8, 400, false, "input current mA"),
        BQ25756_REG.VAC_DPM, limitValue(chip, inputVoltageMin_mV, 20, 210, 3250, true, "input voltage mV"),
    ])
}

export async function bq25756SetChargeEnabled(chip: Bq25756, on: boolean): Promise<void> {
    const ctrl = on ? 0xc1 : 0xc0 // as bq25756Configure() writes it
    await writeChecked(chip, [BQ25756_REG.CHARGER_CTRL, ctrl])
    chip.ctrl = ctrl
}

/** BQ25756_FAULT bits from STATUS1..FAULT_STATUS (21h..24h). */
function faultBits(b: number[]): number {
    const ts = (b[1] >> 4) & 7
    let faults = (b[3] >> 1) & 0x7f
    if ((b[0] & 8) !== 0) faults |= BQ25756_FAULT.WATCHDOG
    if (ts === 3) faults |= BQ25756_FAULT.TS_COLD
    if (ts === 4) faults |= BQ25756_FAULT.TS_HOT
    return faults
}

/** The chip's faults now (BQ25756_FAULT bits): one read of 21h..24h. */
export async function bq25756Faults(chip: Bq25756): Promise<number> {
    return faultBits(await readRegs(chip, BQ25756_REG.STATUS1, 4))
}

/** BQ25756_FAULT bits in words, for a person ("input over-voltage, thermal shutdown"). */
export function bq25756FaultText(faults: number): string {
    // Split here rather than kept as a table: the words cost heap only while a fault is being described.
    const words = "its driver supply is low|its safety timer expired|thermal shutdown|battery over-voltage|battery over-current|input over-voltage|input under-voltage|its watchdog expired|its thermistor reads too cold|its thermistor reads too hot".split("|")
    const out: string[] = []
    for (let i = 0; i < words.length; i++) if (((faults >> i) & 1) !== 0) out.push(words[i])
    return out.join(", ")
}

export async function bq25756ReadStatus(chip: Bq25756): Promise<Bq25756Status> {
    const b = await readRegs(chip, BQ25756_REG.STATUS1, 4) // 21h..24h
    const faults = faultBits(b)
    // CHARGE_STAT codes 0..7 (1 is trickle charge, 5 reserved); the table is built here, where it is used.
    let state = ["off", "precharge", "precharge", "cc", "cv", "off", "topoff", "done"][b[0] & 7]
    if ((faults & BQ25756_STOPPING_FAULTS) !== 0) state = "fault"
    return { state, faults, inputPowerGood: (b[1] & 0x80) !== 0 }
}
