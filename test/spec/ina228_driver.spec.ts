// Shared spec (VM + Node): the production INA228 driver (src/drivers/ina228.ts) against the register-level
// emulator (sim/emulators/ina228.ts) on an EmulatedBus. Both were written independently from the datasheet, so
// agreement here is a cross-check of each against the other. Small fake chips below cover the error paths.
// Every expected number is worked out by hand in the comments (hardware-facts.md 1.4):
//   SHUNT_CAL = 13107.2e6 * I_LSB * R (x4 with ADCRANGE=1), I_LSB = Imax / 2^19
//   => SHUNT_CAL = 25000 * R[Ohm] * Imax[A] = 25 * R[mOhm] * Imax[A]   (x4 with ADCRANGE=1)
import { EmulatedBus, I2cDevice } from "../../sim/emulators/emulated_bus"
import { Ina228Emulator } from "../../sim/emulators/ina228"
import { BusError, DeviceError, readRegBE, writeReg16BE } from "../../src/drivers/bus"
import { Ina228, INA228_DIAG, ina228AlertTrip_mA, ina228Configure, ina228Defaults, ina228Probe, ina228Read, ina228ReadDiag, ina228ResetAccumulators, ina228SetAlertLimit, ina228Verify } from "../../src/drivers/ina228"
import { Spec, TestApi, assertEq, assertNear, assertTrue, catchAsync, fail, errName, errMessage, assertContains } from "../harness/api"

const ADDR = 0x44

// register addresses, written out here (independent of both the driver and the emulator)
const CONFIG = 0x00
const ADC_CONFIG = 0x01
const SHUNT_CAL = 0x02
const ENERGY = 0x09
const CHARGE = 0x0a
const DIAG = 0x0b
const SOVL = 0x0c
const MFR_ID = 0x3e
const DEV_ID = 0x3f

// ADC_CONFIG the driver's defaults must program: MODE 0xF, VBUSCT 2, VSHCT 3, VTCT 0, AVG 4
// = 0xF000 | 2<<9 (0x0400) | 3<<6 (0x00C0) | 0<<3 | 4 = 0xF4C4
const DEFAULT_ADC_CONFIG = 0xf4c4
// One full conversion cycle with those defaults: (150 + 280 + 50) us x 128 samples = 61.44 ms
const DEFAULT_PERIOD_S = 0.06144

// The 10 mOhm / 10 A test vector: ADCRANGE 0, SHUNT_CAL 2500, I_LSB = 10 / 2^19 A
const R10 = 10
const I10_LSB_A = 10 / 524288
/** ADCRANGE 0 shunt LSB 312.5 nV over 10 mOhm: half an LSB is 15.625 uA. */
const VSH_HALF_LSB_A = (0.5 * 312.5e-9) / 0.01

class Rig {
    bus: EmulatedBus
    emu: Ina228Emulator
    drv: Ina228
    constructor(shunt_mOhm: number, maxCurrent_mA: number) {
        this.bus = new EmulatedBus()
        this.emu = new Ina228Emulator(ADDR, shunt_mOhm / 1000)
        this.bus.attach(this.emu)
        this.drv = new Ina228(this.bus, ina228Defaults(ADDR, shunt_mOhm, maxCurrent_mA))
    }
    /** Plant side: current (A), bus voltage (V), die temperature (C), then let the chip convert for `s` seconds. */
    run(current_A: number, bus_V: number, temp_C: number, s: number): void {
        this.emu.setInputs(current_A, bus_V, temp_C)
        this.emu.step(s)
    }
}

async function configured(shunt_mOhm: number, maxCurrent_mA: number): Promise<Rig> {
    const r = new Rig(shunt_mOhm, maxCurrent_mA)
    await ina228Probe(r.drv)
    await ina228Configure(r.drv)
    return r
}

/** A chip that answers only its two ID registers (everything else reads 0) and ignores register writes. */
class FakeIdChip implements I2cDevice {
    address: number
    mfr: number
    dev: number
    private pointer = 0
    constructor(address: number, mfr: number, dev: number) {
        this.address = address
        this.mfr = mfr
        this.dev = dev
    }
    transfer(write: number[], readLength: number): number[] {
        if (write.length > 0) this.pointer = write[0]
        let v = 0
        if (this.pointer === MFR_ID) v = this.mfr
        else if (this.pointer === DEV_ID) v = this.dev
        const out: number[] = []
        for (let i = 0; i < readLength; i++) {
            if (i === 0) out.push((v >> 8) & 0xff)
            else if (i === 1) out.push(v & 0xff)
            else out.push(0)
        }
        return out
    }
}

/** A chip that clocks out one byte fewer than asked (a glitchy bus bridge). */
class ShortReadChip implements I2cDevice {
    address: number
    constructor(address: number) {
        this.address = address
    }
    transfer(write: number[], readLength: number): number[] {
        const out: number[] = []
        for (let i = 0; i + 1 < readLength; i++) out.push(0x54)
        return out
    }
}

/** Ina228's constructor plans the calibration; returns the error it threw, or undefined. */
function constructError(shunt_mOhm: number, maxCurrent_mA: number): any {
    try {
        new Ina228(new EmulatedBus(), ina228Defaults(ADDR, shunt_mOhm, maxCurrent_mA))
    } catch (e) {
        return e
    }
    return undefined
}

function assertPlan(shunt_mOhm: number, maxCurrent_mA: number, adcRange: number, shuntCal: number): void {
    const d = new Ina228(new EmulatedBus(), ina228Defaults(ADDR, shunt_mOhm, maxCurrent_mA))
    const what = shunt_mOhm + " mOhm / " + maxCurrent_mA + " mA"
    assertEq(d.adcRange, adcRange, what + ": ADCRANGE")
    assertEq(d.shuntCal, shuntCal, what + ": SHUNT_CAL")
    // the effective LSB must follow the programmed SHUNT_CAL: I_LSB = SHUNT_CAL / (13107.2e6 * R * (4 if range 1))
    const lsb = shuntCal / (13107.2e6 * (shunt_mOhm / 1000) * (adcRange === 1 ? 4 : 1))
    assertNear(d.currentLsb_A, lsb, lsb * 1e-9, what + ": effective current LSB")
}

export const ina228DriverSpec: Spec = (t: TestApi) => {
    t.describe("INA228 driver", () => {
        t.test("probe accepts the emulated INA228 (0x5449 / 0x2281)", async () => {
            const r = new Rig(R10, 10000)
            const e = await catchAsync(async () => {
                await ina228Probe(r.drv)
            })
            assertEq(errMessage(e), "", "probe error")
        })

        t.test("probe accepts the other die revision 0x2280", async () => {
            const bus = new EmulatedBus()
            bus.attach(new FakeIdChip(ADDR, 0x5449, 0x2280))
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            const e = await catchAsync(async () => {
                await ina228Probe(d)
            })
            assertEq(errMessage(e), "", "probe error")
        })

        t.test("probe with nothing at the address: BusError naming the address", async () => {
            const bus = new EmulatedBus()
            bus.attach(new Ina228Emulator(0x40, 0.01)) // a chip, but at another address
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            const e = await catchAsync(async () => {
                await ina228Probe(d)
            })
            assertEq(errName(e), "BusError", "error type")
            assertTrue(e instanceof BusError, "instanceof BusError")
            assertEq(e.address, ADDR, "BusError.address")
            assertContains(errMessage(e), "0x44", "message names the address")
        })

        t.test("probe against another manufacturer: DeviceError with found and expected id", async () => {
            const bus = new EmulatedBus()
            bus.attach(new FakeIdChip(ADDR, 0x4d41, 0x2281)) // "MA"
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            const e = await catchAsync(async () => {
                await ina228Probe(d)
            })
            assertEq(errName(e), "DeviceError", "error type")
            assertTrue(e instanceof DeviceError, "instanceof DeviceError")
            assertEq(e.address, ADDR, "DeviceError.address")
            const m = errMessage(e)
            assertContains(m, "0x4d41", "message says what was found")
            assertContains(m, "0x5449", "message says what was expected")
            assertContains(m, "0x44", "message names the address")
        })

        t.test("probe against an INA226-like device id: DeviceError with found and expected id", async () => {
            const bus = new EmulatedBus()
            bus.attach(new FakeIdChip(ADDR, 0x5449, 0x2260)) // INA226: TI, DIE_ID 0x2260
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            const e = await catchAsync(async () => {
                await ina228Probe(d)
            })
            assertEq(errName(e), "DeviceError", "error type")
            const m = errMessage(e)
            assertContains(m, "0x2260", "message says what was found")
            assertContains(m, "0x228", "message says what was expected")
            // INA238 shares the register map but has DEVICE_ID 0x2381: refused as well
            const bus2 = new EmulatedBus()
            bus2.attach(new FakeIdChip(ADDR, 0x5449, 0x2381))
            const d2 = new Ina228(bus2, ina228Defaults(ADDR, R10, 10000))
            const e2 = await catchAsync(async () => {
                await ina228Probe(d2)
            })
            assertEq(errName(e2), "DeviceError", "INA238 error type")
            assertContains(errMessage(e2), "0x2381", "INA238: message says what was found")
        })

        t.test("a short read is a BusError, not a wrong value", async () => {
            const bus = new EmulatedBus()
            bus.attach(new ShortReadChip(ADDR))
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            const e = await catchAsync(async () => {
                await ina228Probe(d)
            })
            assertEq(errName(e), "BusError", "error type")
            assertContains(errMessage(e), "short read", "message")
            assertContains(errMessage(e), "0x44", "message names the address")
        })

        t.test("planCalibration: SHUNT_CAL and ADCRANGE by hand", async () => {
            // 10 mOhm, 10 A: 100 mV > 40.96 mV -> ADCRANGE 0; 25 * 10 * 10 = 2500 (the datasheet vector, 0x09C4)
            assertPlan(10, 10000, 0, 2500)
            // 5 mOhm, 10 A: 50 mV -> ADCRANGE 0; 25 * 5 * 10 = 1250
            assertPlan(5, 10000, 0, 1250)
            // the reference channel (5 mOhm, 1.25 x 5 A = 6.25 A): 31.25 mV -> ADCRANGE 1; 25 * 5 * 6.25 * 4 = 3125
            assertPlan(5, 6250, 1, 3125)
            // 2 mOhm, 8 A: 16 mV -> ADCRANGE 1; 25 * 2 * 8 = 400, x4 = 1600
            assertPlan(2, 8000, 1, 1600)
            // 7 mOhm, 1.234 A: 8.638 mV -> ADCRANGE 1; 25 * 7 * 1.234 * 4 = 863.8 -> 864 (rounded)
            assertPlan(7, 1234, 1, 864)
            // either side of the 40.96 mV range boundary with 10 mOhm: 4.0 A = 40 mV, 4.2 A = 42 mV
            assertPlan(10, 4000, 1, 4000) // 25 * 10 * 4 * 4
            assertPlan(10, 4200, 0, 1050) // 25 * 10 * 4.2
            // the top of the 163.84 mV range: 10 mOhm, 16.384 A -> 25 * 10 * 16.384 = 4096
            assertPlan(10, 16384, 0, 4096)
        })

        t.test("planCalibration: ADCRANGE=1 gives 4x SHUNT_CAL for the same current LSB", async () => {
            const a = new Ina228(new EmulatedBus(), ina228Defaults(ADDR, 10, 4000)) // 40 mV: range 1
            const b = new Ina228(new EmulatedBus(), ina228Defaults(ADDR, 10, 4200)) // 42 mV: range 0
            assertEq(a.adcRange, 1, "4 A range")
            assertEq(b.adcRange, 0, "4.2 A range")
            // same I_LSB scale: 4000 / 4 = 1000 per A-of-Imax vs 1050 / 4.2 = 250 per A-of-Imax, ratio 4
            assertNear(a.shuntCal / 4.0 / (b.shuntCal / 4.2), 4, 1e-9, "SHUNT_CAL per amp ratio")
            assertNear(a.currentLsb_A, 4 / 524288, 1e-15, "range-1 LSB is Imax / 2^19")
            assertNear(b.currentLsb_A, 4.2 / 524288, 1e-15, "range-0 LSB is Imax / 2^19")
        })

        t.test("planCalibration: pairs that cannot be represented throw DeviceError", async () => {
            // 50 mOhm x 5 A = 250 mV > 163.84 mV
            let e = constructError(50, 5000)
            assertEq(errName(e), "DeviceError", "250 mV: error type")
            assertContains(errMessage(e), "163.84 mV", "250 mV: message names the range")
            assertContains(errMessage(e), "5000 mA", "250 mV: message names the current")
            // 10 mOhm x 16.4 A = 164 mV: just over
            e = constructError(10, 16400)
            assertEq(errName(e), "DeviceError", "164 mV: error type")
            // zero / negative inputs
            e = constructError(0, 1000)
            assertEq(errName(e), "DeviceError", "zero shunt: error type")
            assertContains(errMessage(e), "positive", "zero shunt: message")
            e = constructError(5, -1)
            assertEq(errName(e), "DeviceError", "negative current: error type")
            e = constructError(5, NaN)
            assertEq(errName(e), "DeviceError", "NaN current: error type")
        })

        t.test("configure() programs CONFIG, ADC_CONFIG and SHUNT_CAL (checked on the chip)", async () => {
            const r = await configured(5, 6250) // reference channel: ADCRANGE 1, SHUNT_CAL 3125
            assertEq(await readRegBE(r.bus, ADDR, CONFIG, 2), 0x0010, "CONFIG: ADCRANGE=1, nothing else")
            assertEq(await readRegBE(r.bus, ADDR, ADC_CONFIG, 2), DEFAULT_ADC_CONFIG, "ADC_CONFIG")
            assertEq(await readRegBE(r.bus, ADDR, SHUNT_CAL, 2), 3125, "SHUNT_CAL")
            const r0 = await configured(R10, 10000)
            assertEq(await readRegBE(r0.bus, ADDR, CONFIG, 2), 0x0000, "CONFIG: ADCRANGE=0")
            assertEq(await readRegBE(r0.bus, ADDR, SHUNT_CAL, 2), 0x09c4, "SHUNT_CAL 2500")
            assertNear(r0.emu.conversionPeriod_s(), DEFAULT_PERIOD_S, 1e-9, "conversion period the chip now runs")
        })

        t.test("configure() on a chip that ignores writes fails verification with a clear message", async () => {
            const bus = new EmulatedBus()
            bus.attach(new FakeIdChip(ADDR, 0x5449, 0x2281)) // IDs right, every other register reads 0
            const d = new Ina228(bus, ina228Defaults(ADDR, R10, 10000))
            await ina228Probe(d)
            const e = await catchAsync(async () => {
                await ina228Configure(d)
            })
            assertEq(errName(e), "DeviceError", "error type")
            const m = errMessage(e)
            assertContains(m, "ADC_CONFIG", "message names the register") // CONFIG 0x0000 happens to match
            assertContains(m, "0x0000", "message says what it read")
            assertContains(m, "0xf4c4", "message says what was written")
        })

        t.test("configure() again does not reset the energy and charge accumulators", async () => {
            const r = await configured(R10, 10000)
            r.run(2, 12, 25, 100) // 2 A at 12 V for 100 s: ~2400 J, ~200 C
            const before = await ina228Read(r.drv, true)
            assertNear(before.energy_J, 2400, 5, "energy before reconfiguring")
            assertNear(before.charge_C, 200, 0.5, "charge before reconfiguring")
            await ina228Configure(r.drv)
            const after = await ina228Read(r.drv, true)
            assertEq(after.energy_J, before.energy_J, "energy after configure()")
            assertEq(after.charge_C, before.charge_C, "charge after configure()")
            // and keeps accumulating from there
            r.run(2, 12, 25, 100)
            const later = await ina228Read(r.drv, true)
            assertNear(later.energy_J, 4800, 5, "energy keeps accumulating")
        })

        t.test("verify() passes after configure() and detects a register changed behind the driver", async () => {
            const r = await configured(R10, 10000)
            await ina228Verify(r.drv)
            await writeReg16BE(r.bus, ADDR, SHUNT_CAL, 1234) // someone else on the bus
            const e = await catchAsync(async () => {
                await ina228Verify(r.drv)
            })
            assertEq(errName(e), "DeviceError", "error type")
            const m = errMessage(e)
            assertContains(m, "SHUNT_CAL", "message names the register")
            assertContains(m, "0x04d2", "message says what it read (1234)")
            assertContains(m, "0x09c4", "message says what was written (2500)")
            assertContains(m, "0x44", "message names the chip")
            await ina228Configure(r.drv) // repairs it
            await ina228Verify(r.drv)
            assertEq(await readRegBE(r.bus, ADDR, SHUNT_CAL, 2), 2500, "SHUNT_CAL after reconfiguring")
        })

        t.test("verify() detects a changed ADCRANGE, a chip reset (brown-out) and a changed ADC_CONFIG", async () => {
            const r = await configured(5, 6250) // CONFIG 0x0010
            // ADCRANGE flipped to 0 alone: every current would read 4x too high
            await writeReg16BE(r.bus, ADDR, CONFIG, 0x0000)
            let e = await catchAsync(async () => {
                await ina228Verify(r.drv)
            })
            assertEq(errName(e), "DeviceError", "ADCRANGE flipped: error type")
            assertContains(errMessage(e), ": CONFIG reads 0x0000, wrote 0x0010", "ADCRANGE flipped: message")
            await ina228Configure(r.drv)
            await writeReg16BE(r.bus, ADDR, CONFIG, 0x8000) // RST: every register back to its reset value
            e = await catchAsync(async () => {
                await ina228Verify(r.drv)
            })
            assertEq(errName(e), "DeviceError", "after RST: error type")
            assertContains(errMessage(e), ": CONFIG reads 0x0000", "after RST: CONFIG is the first mismatch")
            await ina228Configure(r.drv)
            await writeReg16BE(r.bus, ADDR, ADC_CONFIG, 0xfb68) // the reset ADC_CONFIG (AVG 1 instead of 16)
            e = await catchAsync(async () => {
                await ina228Verify(r.drv)
            })
            assertContains(errMessage(e), "ADC_CONFIG", "ADC_CONFIG change: message")
            assertContains(errMessage(e), "0xfb68", "ADC_CONFIG change: value read")
        })

        t.test("read(): bus voltage within half a 195.3125 uV LSB", async () => {
            const r = await configured(R10, 10000)
            r.run(0, 12, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).busVoltage_mV, 12000, 1e-9, "12 V is exact (61440 LSB)")
            r.run(0, 12.3456, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).busVoltage_mV, 12345.6, 0.0977, "12.3456 V")
            r.run(0, 3.3, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).busVoltage_mV, 3300, 0.0977, "3.3 V")
            r.run(0, 84.99, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).busVoltage_mV, 84990, 0.0977, "84.99 V")
        })

        t.test("read(): current positive and negative, power follows the sign", async () => {
            const r = await configured(R10, 10000)
            // tolerance: half a VSHUNT LSB (15.6 uA) + CURRENT truncation (1 LSB = 19.07 uA)
            const curTol_mA = (VSH_HALF_LSB_A + I10_LSB_A) * 1000
            r.run(2, 12, 25, 0.2)
            let rd = await ina228Read(r.drv, true)
            assertNear(rd.current_mA, 2000, curTol_mA, "+2 A")
            // power: current error x 12 V + POWER truncation (3.2 x I_LSB = 61 uW) + VBUS half LSB x 2 A
            const pTol_mW = curTol_mA * 12 + 3.2 * I10_LSB_A * 1000 + 0.5 * 195.3125e-6 * 2 * 1000
            assertNear(rd.power_mW, 24000, pTol_mW, "+2 A at 12 V")
            r.run(-1.5, 12, 25, 0.2)
            rd = await ina228Read(r.drv, true)
            assertNear(rd.current_mA, -1500, curTol_mA, "-1.5 A")
            assertTrue(rd.power_mW < 0, "power is negative when the current is (" + rd.power_mW + ")")
            assertNear(rd.power_mW, -18000, pTol_mW, "-1.5 A at 12 V")
            r.run(0.0123, 5, 25, 0.2)
            rd = await ina228Read(r.drv, true)
            assertNear(rd.current_mA, 12.3, curTol_mA, "12.3 mA")
            r.run(0, 5, 25, 0.2)
            rd = await ina228Read(r.drv, true)
            assertNear(rd.current_mA, 0, 1e-9, "0 A")
            assertNear(rd.power_mW, 0, 1e-9, "no power at 0 A")
        })

        t.test("read(): current in ADCRANGE=1 (reference channel)", async () => {
            const r = await configured(5, 6250)
            // VSHUNT LSB 78.125 nV over 5 mOhm = 15.625 uA (half: 7.8 uA); I_LSB = 6.25 / 2^19 = 11.92 uA
            const curTol_mA = ((0.5 * 78.125e-9) / 0.005 + 6.25 / 524288) * 1000
            r.run(4.321, 12, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).current_mA, 4321, curTol_mA, "4.321 A")
            r.run(-0.25, 12, 25, 0.2)
            assertNear((await ina228Read(r.drv, true)).current_mA, -250, curTol_mA, "-0.25 A")
        })

        t.test("read(): die temperature within half a 7.8125 m°C LSB", async () => {
            const r = await configured(R10, 10000)
            r.run(0, 12, 31.5, 0.2)
            assertNear((await ina228Read(r.drv, true)).dieTemp_C, 31.5, 1e-9, "31.5 C is exact (4032 LSB)")
            r.run(0, 12, 47.3, 0.2)
            assertNear((await ina228Read(r.drv, true)).dieTemp_C, 47.3, 0.0039, "47.3 C")
            r.run(0, 12, -12.3, 0.2)
            assertNear((await ina228Read(r.drv, true)).dieTemp_C, -12.3, 0.0039, "-12.3 C (negative, sign-extended)")
        })

        t.test("read(): energy_J and charge_C after 2 A at 12 V for one hour", async () => {
            const r = await configured(R10, 10000)
            r.emu.setInputs(2, 12, 25)
            for (let i = 0; i < 360; i++) {
                r.emu.step(10)
                if (i % 60 === 59) await t.pause()
            }
            const rd = await ina228Read(r.drv, true)
            // 2 A x 12 V x 3600 s = 86400 J; 2 A x 3600 s = 7200 C.
            // Tolerances: CURRENT/POWER quantisation (<= 34.7 uA of 2 A and 1 POWER LSB of 393213, ~1.2e-5
            // relative), the last conversion cycle not yet accumulated (50.5 ms) and one accumulator LSB.
            const pending_s = DEFAULT_PERIOD_S
            const eTol = 86400 * ((VSH_HALF_LSB_A + I10_LSB_A) / 2 + 1 / 393213) + 24 * pending_s + 51.2 * I10_LSB_A
            const qTol = 7200 * ((VSH_HALF_LSB_A + I10_LSB_A) / 2) + 2 * pending_s + I10_LSB_A
            assertNear(rd.energy_J, 86400, eTol, "energy_J")
            assertNear(rd.charge_C, 7200, qTol, "charge_C")
            assertTrue(rd.energy_J < 86400 && rd.charge_C < 7200, "truncation and pending cycle only ever lose")
        })

        t.test("read(): charge_C is negative for reverse current, energy_J still grows", async () => {
            const r = await configured(R10, 10000)
            r.run(-3, 20, 25, 600) // -3 A at 20 V for 600 s: -1800 C, 36000 J
            const rd = await ina228Read(r.drv, true)
            const qTol = 1800 * ((VSH_HALF_LSB_A + I10_LSB_A) / 3) + 3 * DEFAULT_PERIOD_S + I10_LSB_A
            const eTol = 36000 * ((VSH_HALF_LSB_A + I10_LSB_A) / 3 + 1 / 983037) + 60 * DEFAULT_PERIOD_S + 51.2 * I10_LSB_A
            assertNear(rd.charge_C, -1800, qTol, "charge_C")
            assertNear(rd.energy_J, 36000, eTol, "energy_J")
        })

        t.test("read(): 40-bit energy and charge near the top are decoded exactly", async () => {
            const r = await configured(R10, 10000)
            // 8 A at 80 V: POWER 10485750 -> ENERGY grows 10485750 / 16 = 655359.4 counts/s; 2^40 is reached
            // after 1677721.6 s. Run 1.6e6 s: ~1.0486e12 counts (bits 39..32 in use), ~1.024e9 J.
            r.emu.setInputs(8, 80, 25)
            for (let i = 0; i < 16; i++) r.emu.step(100000)
            const rd = await ina228Read(r.drv, true)
            const rawE = await readRegBE(r.bus, ADDR, ENERGY, 5)
            const rawQ = await readRegBE(r.bus, ADDR, CHARGE, 5)
            assertTrue(rawE > 4294967296 * 200, "ENERGY uses the top byte (" + rawE + ")")
            assertNear(rd.energy_J, rawE * 51.2 * I10_LSB_A, rd.energy_J * 1e-12, "energy_J = ENERGY x 51.2 x I_LSB")
            assertNear(rd.energy_J, 640 * 1.6e6, 640 * 1.6e6 * 5e-5, "energy_J (1.024e9 J)")
            // CHARGE: 419430 counts/s x 1.6e6 s = 6.7e11 > 2^39 = 5.5e11: it has already wrapped to negative
            const wrappedQ = 8 * 1.6e6 - 1099511627776 * I10_LSB_A // 12.8e6 C - 2^40 LSB = -8.17e6 C
            assertTrue(rawQ >= 549755813888, "CHARGE raw has its sign bit set")
            assertNear(rd.charge_C, wrappedQ, 8 * 1.6e6 * 5e-5, "charge_C as a 40-bit two's complement")
        })

        t.test("read(): ENERGY wraps modulo 2^40 (hardware behaviour, visible as a drop)", async () => {
            const r = await configured(R10, 10000)
            r.emu.setInputs(8, 80, 25)
            for (let i = 0; i < 16; i++) r.emu.step(100000)
            const before = await ina228Read(r.drv, true)
            r.emu.step(100000) // 1.7e6 s in all: past 1677721.6 s
            const after = await ina228Read(r.drv, true)
            const full_J = 1099511627776 * 51.2 * I10_LSB_A // 2^40 counts = 1.0737e9 J
            assertTrue(after.energy_J < before.energy_J, "the counter dropped (" + after.energy_J + ")")
            assertNear(after.energy_J, 640 * 1.7e6 - full_J, 640 * 1.7e6 * 5e-5, "energy_J after the wrap")
        })

        t.test("setAlertLimit(): SOVL code by hand, alertLimitFor_mA() round-trip", async () => {
            // ADCRANGE 0 (5 mOhm, 10 A): 8 A x 5 mOhm = 40 mV / 5 uV = 8000 (the hardware-facts vector)
            const a = await configured(5, 10000)
            assertEq(a.drv.adcRange, 0, "range for 5 mOhm / 10 A")
            await ina228SetAlertLimit(a.drv, 8000)
            assertEq(await readRegBE(a.bus, ADDR, SOVL, 2), 8000, "SOVL for 8 A, ADCRANGE 0")
            assertNear(ina228AlertTrip_mA(a.drv, 8000), 8000, 1e-9, "8 A round-trip")
            // ADCRANGE 1 (reference channel, 5 mOhm / 6.25 A): 4 A x 5 mOhm = 20 mV / 1.25 uV = 16000
            const b = await configured(5, 6250)
            await ina228SetAlertLimit(b.drv, 4000)
            assertEq(await readRegBE(b.bus, ADDR, SOVL, 2), 16000, "SOVL for 4 A, ADCRANGE 1")
            assertNear(ina228AlertTrip_mA(b.drv, 4000), 4000, 1e-9, "4 A round-trip")
            // 4001.3 mA: 20.0065 mV / 1.25 uV = 16005.2 -> 16005 -> 16005 x 1.25 uV / 5 mOhm = 4001.25 mA
            await ina228SetAlertLimit(b.drv, 4001.3)
            assertEq(await readRegBE(b.bus, ADDR, SOVL, 2), 16005, "SOVL for 4001.3 mA")
            assertNear(ina228AlertTrip_mA(b.drv, 4001.3), 4001.25, 1e-6, "4001.3 mA trips at 4001.25 mA")
            // the code saturates at 0x7FFF: 32767 x 1.25 uV / 5 mOhm = 8191.75 mA
            assertNear(ina228AlertTrip_mA(b.drv, 100000), 8191.75, 1e-6, "saturated limit")
            // DIAG_ALRT control bits: ALATCH only (SLOWALERT=0, APOL=0, CNVR=0)
            assertEq((await readRegBE(b.bus, ADDR, DIAG, 2)) & 0xf000, 0x8000, "DIAG_ALRT control bits")
        })

        t.test("ALERT asserts above the limit and stays latched until readDiag()", async () => {
            const r = await configured(5, 6250)
            await ina228SetAlertLimit(r.drv, 4000)
            r.run(3.9, 12, 25, 0.2)
            assertTrue(!r.emu.alertAsserted(), "3.9 A: no alert")
            assertEq(r.emu.alertPinLevel(), 1, "3.9 A: pin idle high (active-low)")
            r.run(4.1, 12, 25, 0.2)
            assertTrue(r.emu.alertAsserted(), "4.1 A: alert")
            assertEq(r.emu.alertPinLevel(), 0, "4.1 A: pin pulled low")
            r.run(1, 12, 25, 0.2)
            assertTrue(r.emu.alertAsserted(), "back at 1 A: still latched")
            const diag = await ina228ReadDiag(r.drv)
            assertEq(diag & INA228_DIAG.SHNTOL, INA228_DIAG.SHNTOL, "readDiag() shows SHNTOL")
            assertTrue(!r.emu.alertAsserted(), "released by readDiag()")
            assertEq(r.emu.alertPinLevel(), 1, "pin released")
            r.run(1, 12, 25, 0.2)
            assertEq((await ina228ReadDiag(r.drv)) & INA228_DIAG.SHNTOL, 0, "no new SHNTOL at 1 A")
            // a trip seen through read() (which reads DIAG_ALRT last)
            r.run(5, 12, 25, 0.2)
            const rd = await ina228Read(r.drv, true)
            assertEq(rd.diag & INA228_DIAG.SHNTOL, INA228_DIAG.SHNTOL, "read().diag shows SHNTOL")
        })

        t.test("verify() also guards the alert limit once set", async () => {
            const r = await configured(5, 6250)
            await ina228SetAlertLimit(r.drv, 4000)
            await ina228Verify(r.drv)
            await writeReg16BE(r.bus, ADDR, SOVL, 0x7fff)
            const e = await catchAsync(async () => {
                await ina228Verify(r.drv)
            })
            assertEq(errName(e), "DeviceError", "error type")
            assertContains(errMessage(e), "SOVL", "message names SOVL")
            assertContains(errMessage(e), "0x3e80", "message has the expected code (16000)")
        })

        t.test("resetAccumulators() clears energy and charge and keeps the configuration", async () => {
            const r = await configured(5, 6250)
            r.run(2, 12, 25, 60)
            const before = await ina228Read(r.drv, true)
            assertTrue(before.energy_J > 1000 && before.charge_C > 100, "accumulated first")
            await ina228ResetAccumulators(r.drv)
            const after = await ina228Read(r.drv, true)
            assertEq(after.energy_J, 0, "energy_J after reset")
            assertEq(after.charge_C, 0, "charge_C after reset")
            await ina228Verify(r.drv) // CONFIG still has ADCRANGE=1
            r.run(2, 12, 25, 10)
            assertNear((await ina228Read(r.drv, true)).energy_J, 240, 0.5 + 24 * DEFAULT_PERIOD_S, "accumulates again from 0")
        })

        t.test("a BusError in the middle of read() propagates", async () => {
            const r = await configured(R10, 10000)
            r.run(2, 12, 25, 1)
            let seen = 0
            r.bus.faultHook = (address: number, write: number[]) => {
                if (write.length > 0 && write[0] === ENERGY) {
                    seen++
                    return "arbitration lost at " + address
                }
                return undefined
            }
            const e = await catchAsync(async () => {
                await ina228Read(r.drv, true)
            })
            assertEq(seen, 1, "the ENERGY read was attempted once")
            assertEq(errName(e), "BusError", "error type")
            assertContains(errMessage(e), "arbitration lost", "message from the bus")
            r.bus.faultHook = undefined
            const rd = await ina228Read(r.drv, true)
            assertNear(rd.current_mA, 2000, 0.04, "next read works again")
        })

        t.test("a bus that fails every transaction fails probe, configure, read and setAlertLimit", async () => {
            const r = new Rig(R10, 10000)
            r.bus.faultHook = (address: number, write: number[]) => "bus stuck low"
            const calls = [
                async () => {
                    await ina228Probe(r.drv)
                },
                async () => {
                    await ina228Configure(r.drv)
                },
                async () => {
                    await ina228Read(r.drv, true)
                },
                async () => {
                    await ina228SetAlertLimit(r.drv, 1000)
                },
            ]
            for (const c of calls) {
                const e = await catchAsync(c)
                assertEq(errName(e), "BusError", "error type")
            }
            if (r.bus.transactions !== calls.length) fail("expected one attempted transaction per call, got " + r.bus.transactions)
        })
    })
}

/**
 * The chip clears ENERGYOF / CHARGEOF when ENERGY / CHARGE is read, so read() must read DIAG_ALRT first
 * (it once did not, and reading.diag could never report an accumulator overflow).
 */
export const ina228DriverOverflowSpec: Spec = (t: TestApi) => {
    t.describe("INA228 driver: accumulator overflow", () => {
        t.test("read().diag reports ENERGYOF after the 40-bit ENERGY wrap", async () => {
            const r = await configured(R10, 10000)
            r.emu.setInputs(8, 80, 25)
            for (let i = 0; i < 17; i++) r.emu.step(100000) // 1.7e6 s > 1677721.6 s: ENERGY wrapped
            assertEq(r.emu.reg(DIAG) & INA228_DIAG.ENERGYOF, INA228_DIAG.ENERGYOF, "the chip has ENERGYOF set")
            const rd = await ina228Read(r.drv, true)
            assertEq(rd.diag & INA228_DIAG.ENERGYOF, INA228_DIAG.ENERGYOF, "read().diag ENERGYOF")
        })
    })
}
