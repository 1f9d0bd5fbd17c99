// INA228 85 V, 20-bit power/energy/charge monitor (TI), one per output channel.
// Portable: talks only to the Bus. Register facts: docs/hardware-facts.md §1.4 of the shared docs.
import { Bus, DeviceError, hex16, hex8, readRegBE, writeReg16BE } from "./bus"

export enum INA228_REG {
    CONFIG = 0x00,
    ADC_CONFIG = 0x01,
    SHUNT_CAL = 0x02,
    SHUNT_TEMPCO = 0x03,
    VSHUNT = 0x04,
    VBUS = 0x05,
    DIETEMP = 0x06,
    CURRENT = 0x07,
    POWER = 0x08,
    ENERGY = 0x09,
    CHARGE = 0x0a,
    DIAG_ALRT = 0x0b,
    SOVL = 0x0c,
    SUVL = 0x0d,
    BOVL = 0x0e,
    BUVL = 0x0f,
    TEMP_LIMIT = 0x10,
    PWR_LIMIT = 0x11,
    MANUFACTURER_ID = 0x3e,
    DEVICE_ID = 0x3f,
}

/** DIAG_ALRT bits. */
export enum INA228_DIAG {
    ALATCH = 0x8000,
    CNVR = 0x4000,
    SLOWALERT = 0x2000,
    APOL = 0x1000,
    ENERGYOF = 0x0800,
    CHARGEOF = 0x0400,
    MATHOF = 0x0200,
    TMPOL = 0x0080,
    SHNTOL = 0x0040,
    SHNTUL = 0x0020,
    BUSOL = 0x0010,
    BUSUL = 0x0008,
    POL = 0x0004,
    CNVRF = 0x0002,
    MEMSTAT = 0x0001,
}

const TI_MANUFACTURER_ID = 0x5449
const INA228_DIE_ID = 0x228
const SHUNT_CAL_SCALE = 13107.2e6
const VBUS_LSB_V = 195.3125e-6
const DIETEMP_LSB_C = 7.8125e-3
const SOVL_LSB_V = 5e-6 // 1.25 µV when ADCRANGE = 1
/** Full-scale shunt voltage for ADCRANGE 0 / 1 (constants, not an array: an array literal is code). */
const SHUNT_FS0_V = 0.16384
const SHUNT_FS1_V = 0.04096

export interface Ina228Config {
    address: number
    shunt_mOhm: number
    /** Largest current the channel can carry; sets the current LSB (max / 2^19). */
    maxCurrent_mA: number
    /** Conversion time codes 0..7 (50 µs .. 4.12 ms) and averaging code 0..7 (1 .. 1024 samples). */
    busConvCode: number
    shuntConvCode: number
    tempConvCode: number
    avgCode: number
}

/** Defaults: one averaged result every ~61 ms (below the 100 ms tick), the ALERT within ~0.5 ms. */
export function ina228Defaults(address: number, shunt_mOhm: number, maxCurrent_mA: number): Ina228Config {
    // Short conversions (VBUS 150 µs, VSHUNT 280 µs, DIETEMP 50 µs: a 480 µs cycle) so the ALERT, compared on
    // every single conversion (SLOWALERT=0), trips within half a millisecond; 128-sample averaging (61 ms)
    // keeps the readings quiet. The accumulators integrate every conversion either way.
    return { address, shunt_mOhm, maxCurrent_mA, busConvCode: 2, shuntConvCode: 3, tempConvCode: 0, avgCode: 4 }
}

export interface Ina228Reading {
    busVoltage_mV: number
    /** Signed: positive while the output delivers power. */
    current_mA: number
    /** Signed like the current (the chip reports |P|). */
    power_mW: number
    dieTemp_C: number
    /** Hardware accumulators since the last accumulator reset. */
    energy_J: number
    charge_C: number
    /** DIAG_ALRT as read (reading it releases a latched ALERT). */
    diag: number
}

/** Sign-extend a `bits`-wide two's complement value. */
function signed(v: number, bits: number): number {
    const half = Math.pow(2, bits - 1)
    if (v >= half) return v - 2 * half
    return v
}

export class Ina228 {
    readonly cfg: Ina228Config
    /** Flag bits of DIAG_ALRT released by a verification read, not yet handed to the caller. */
    heldFlags = 0
    readonly bus: Bus
    /** The calibration planned for this shunt and range (read by the specs). */
    adcRange = 0
    /** (Set by the constructor, as is currentLsb_A.) */
    shuntCal: number
    /** Effective current LSB in A, from the SHUNT_CAL actually programmed (not the ideal one). */
    currentLsb_A: number
    /** The armed alert limit, mA (-1: not armed yet). */
    alertLimit_mA = -1
    /** From the last full reading (NaN before the first). */
    dieTemp_C = NaN
    energy_J = NaN
    charge_C = NaN

    /** Plans the calibration: ADCRANGE and SHUNT_CAL from shunt and max current; throws if the pair cannot be represented. */
    constructor(bus: Bus, cfg: Ina228Config) {
        this.bus = bus
        this.cfg = cfg
        // (Math.min is NaN when either is: refused too.)
        if (!(Math.min(cfg.shunt_mOhm, cfg.maxCurrent_mA) > 0)) throw chipError(this, "shunt and max current must be positive")
        const r_Ohm = cfg.shunt_mOhm / 1000
        const max_A = cfg.maxCurrent_mA / 1000
        const vMax = max_A * r_Ohm
        if (vMax > SHUNT_FS0_V) throw chipError(this, `${cfg.maxCurrent_mA} mA through ${cfg.shunt_mOhm} mOhm exceeds the 163.84 mV shunt range`)
        // The ±40.96 mV range has 4x the resolution; use it when the full current fits.
        const range1 = vMax <= SHUNT_FS1_V
        // adcRange stays 0 (the field's initial value) otherwise.
        let gain = 1
        if (range1) {
            this.adcRange = 1
            gain = 4
        }
        const idealLsb = max_A / 524288
        // The range check above keeps SHUNT_CAL <= 25000 * 0.16384 = 4096, well inside its 15 bits.
        let cal = Math.round(SHUNT_CAL_SCALE * idealLsb * r_Ohm * gain)
        if (cal < 1) cal = 1
        this.shuntCal = cal
        this.currentLsb_A = cal / (SHUNT_CAL_SCALE * r_Ohm * gain)
    }

    /** What the 40-bit ENERGY accumulator holds when it wraps, J (ENERGYOF marks a wrap). */
    energyWrap_J(): number {
        return 1099511627776 * 51.2 * this.currentLsb_A
    }
}

// Free functions, not methods: a DeviceScript image only carries the free functions something calls (every
// method of a class is carried), and a call to one costs less code than a method call.

/** Checks the IDs; throws DeviceError naming what answered instead. */
export async function ina228Probe(m: Ina228): Promise<void> {
    const a = m.cfg.address
    const mfr = await readRegBE(m.bus, a, INA228_REG.MANUFACTURER_ID, 2)
    if (mfr !== TI_MANUFACTURER_ID)
        throw chipError(m, `manufacturer id ${hex16(mfr)}, expected ${hex16(TI_MANUFACTURER_ID)} (TI); wrong chip at this address?`)
    const dev = await readRegBE(m.bus, a, INA228_REG.DEVICE_ID, 2)
    // Only the die id (bits 15:4) is stable; the revision nibble varies between lots.
    if (dev >> 4 !== INA228_DIE_ID)
        throw chipError(m, `device id ${hex16(dev)}, expected 0x228x; an INA226/INA238 or another TI part?`)
}

/**
 * Programs range, conversion and calibration, then reads them back. Does not reset the chip or its
 * accumulators: a firmware restart must not lose the energy count.
 */
export async function ina228Configure(m: Ina228): Promise<void> {
    const a = m.cfg.address
    await writeReg16BE(m.bus, a, INA228_REG.CONFIG, configValue(m))
    await writeReg16BE(m.bus, a, INA228_REG.ADC_CONFIG, adcConfigValue(m))
    await writeReg16BE(m.bus, a, INA228_REG.SHUNT_CAL, m.shuntCal)
    // The alert is armed afterwards (ina228SetAlertLimit): until then there is no limit to check.
    m.alertLimit_mA = -1
    await ina228Verify(m)
}

/** Re-reads every register the driver owns; throws DeviceError on the first mismatch. */
export async function ina228Verify(m: Ina228): Promise<void> {
    await expectReg(m, INA228_REG.CONFIG, 0xfff0, configValue(m), "CONFIG")
    await expectReg(m, INA228_REG.ADC_CONFIG, 0xffff, adcConfigValue(m), "ADC_CONFIG")
    await expectReg(m, INA228_REG.SHUNT_CAL, 0x7fff, m.shuntCal, "SHUNT_CAL")
    if (m.alertLimit_mA >= 0) await verifyAlert(m)
}

/**
 * Arms the hardware over-current trip: SHNTOL compares every conversion (SLOWALERT=0), ALERT is
 * active-low open drain (APOL=0) and latched (ALATCH=1) until DIAG_ALRT is read, so the board's
 * latch on the channel enable sees it even if the firmware stalls.
 */
export async function ina228SetAlertLimit(m: Ina228, limit_mA: number): Promise<void> {
    const a = m.cfg.address
    await writeReg16BE(m.bus, a, INA228_REG.SOVL, sovlCode(m, limit_mA))
    await writeReg16BE(m.bus, a, INA228_REG.DIAG_ALRT, INA228_DIAG.ALATCH)
    m.alertLimit_mA = limit_mA
    await verifyAlert(m)
}

/** Reads (and so releases) the latched alert flags, with any the driver's own verification read released. */
export async function ina228ReadDiag(m: Ina228): Promise<number> {
    const v = (await readRegBE(m.bus, m.cfg.address, INA228_REG.DIAG_ALRT, 2)) | m.heldFlags
    m.heldFlags = 0
    return v
}

/**
 * A reading. `full`: 6 register reads, the accumulators and the die temperature included; otherwise 3
 * (DIAG_ALRT, VBUS, CURRENT) and the accumulators and temperature of the last full reading. The
 * supervisor reads in full once per battery period, where the charge and energy are counted: every
 * tick in full would be twice the bus traffic for numbers nobody looks at more often. POWER is not
 * read: the chip computes it as |CURRENT| x VBUS from the same averaged results.
 */
export async function ina228Read(m: Ina228, full: boolean): Promise<Ina228Reading> {
    const a = m.cfg.address
    const lsb = m.currentLsb_A
    // DIAG_ALRT first: reading ENERGY / CHARGE clears their overflow flags. Between full readings
    // those flags are left for the next full one (the accumulator values here are that one's).
    let diag = await ina228ReadDiag(m)
    const vbus = await readRegBE(m.bus, a, INA228_REG.VBUS, 3)
    const cur = signed(await readRegBE(m.bus, a, INA228_REG.CURRENT, 3), 24)
    if (full) {
        m.dieTemp_C = signed(await readRegBE(m.bus, a, INA228_REG.DIETEMP, 2), 16) * DIETEMP_LSB_C
        m.energy_J = (await readRegBE(m.bus, a, INA228_REG.ENERGY, 5)) * 51.2 * lsb
        m.charge_C = signed(await readRegBE(m.bus, a, INA228_REG.CHARGE, 5), 40) * lsb
    } else diag = diag & ~(INA228_DIAG.ENERGYOF | INA228_DIAG.CHARGEOF)
    // VBUS and CURRENT hold 20-bit results in bits 23:4; the low nibble is always 0.
    const current_mA = (cur / 16) * lsb * 1000
    const busVoltage_mV = (vbus / 16) * VBUS_LSB_V * 1000
    return {
        busVoltage_mV,
        current_mA,
        power_mW: (current_mA * busVoltage_mV) / 1000,
        dieTemp_C: m.dieTemp_C,
        energy_J: m.energy_J,
        charge_C: m.charge_C,
        diag,
    }
}

/** Re-reads the armed alert: its limit and the latched, active-low mode. */
async function verifyAlert(m: Ina228): Promise<void> {
    await expectReg(m, INA228_REG.SOVL, 0xffff, sovlCode(m, m.alertLimit_mA), "SOVL")
    await expectReg(m, INA228_REG.DIAG_ALRT, 0xf000, INA228_DIAG.ALATCH, "DIAG_ALRT")
}

/** Register `reg` read back against `want` under `mask`; throws DeviceError naming it `name` on a mismatch. */
async function expectReg(m: Ina228, reg: number, mask: number, want: number, name: string): Promise<void> {
    const got = await readRegBE(m.bus, m.cfg.address, reg, 2)
    // Reading DIAG_ALRT releases its latched flags: keep them for the next readDiag (a trip taken while a
    // limit was being changed must not vanish in the verification read).
    if (reg === INA228_REG.DIAG_ALRT) m.heldFlags |= got & 0x0fff
    if ((got & mask) !== (want & mask))
        throw chipError(m, `${name} reads ${hex16(got)}, wrote ${hex16(want)}`)
}

/** A DeviceError about this chip: "INA228 at 0x..: " and `what`. */
function chipError(m: Ina228, what: string): DeviceError {
    return new DeviceError(m.cfg.address, `INA228 at ${hex8(m.cfg.address)}: ${what}`)
}

function configValue(m: Ina228): number {
    if (m.adcRange === 1) return 0x0010
    return 0x0000
}

function adcConfigValue(m: Ina228): number {
    const c = m.cfg
    // MODE 0xF: continuous bus, shunt and temperature.
    return (0xf << 12) | ((c.busConvCode & 7) << 9) | ((c.shuntConvCode & 7) << 6) | ((c.tempConvCode & 7) << 3) | (c.avgCode & 7)
}

/** The SOVL code for an alert at `limit_mA`. */
function sovlCode(m: Ina228, limit_mA: number): number {
    const v = (limit_mA / 1000) * (m.cfg.shunt_mOhm / 1000)
    let lsb_V = SOVL_LSB_V
    if (m.adcRange === 1) lsb_V = SOVL_LSB_V / 4
    let code = Math.round(v / lsb_V)
    if (code > 0x7fff) code = 0x7fff
    if (code < 1) code = 1
    return code
}

/** The trip current the SOVL code for `limit_mA` really gives (what the hardware will do), mA. */
export function ina228AlertTrip_mA(m: Ina228, limit_mA: number): number {
    const lsb = m.adcRange === 1 ? SOVL_LSB_V / 4 : SOVL_LSB_V
    return (sovlCode(m, limit_mA) * lsb * 1000) / (m.cfg.shunt_mOhm / 1000)
}

/** Zero the energy and charge accumulators (RSTACC self-clears; the other CONFIG bits are rewritten unchanged). */
export async function ina228ResetAccumulators(m: Ina228): Promise<void> {
    await writeReg16BE(m.bus, m.cfg.address, INA228_REG.CONFIG, configValue(m) | 0x4000)
}
