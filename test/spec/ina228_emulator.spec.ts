// Shared spec (VM + Node) for the INA228 register-level emulator. The emulator is driven only as a driver
// would drive the chip (I2C transactions on an EmulatedBus) plus the plant side (setInputs / step) and the pin.
// Expected numbers are computed by hand from the datasheet facts (hardware-facts.md 1.4), not from the emulator.
import { EmulatedBus } from "../../sim/emulators/emulated_bus"
import { Ina228Emulator } from "../../sim/emulators/ina228"
import { beUnsigned, readRegBE, writeReg16BE } from "../../src/drivers/bus"
import { Spec, TestApi, assertEq, assertNear, assertTrue } from "../harness/api"

const ADDR = 0x40
const R_SHUNT = 0.01 // 10 mOhm
const I_LSB = 10 / 524288 // Imax 10 A / 2^19
const P_LSB = 3.2 * I_LSB
const E_LSB = 16 * P_LSB
const TWO_39 = 549755813888
const TWO_40 = 1099511627776

// register addresses (written out here, independent of the emulator's constants)
const CONFIG = 0x00
const ADC_CONFIG = 0x01
const SHUNT_CAL = 0x02
const SHUNT_TEMPCO = 0x03
const VSHUNT = 0x04
const VBUS = 0x05
const DIETEMP = 0x06
const CURRENT = 0x07
const POWER = 0x08
const ENERGY = 0x09
const CHARGE = 0x0a
const DIAG = 0x0b
const SOVL = 0x0c
const SUVL = 0x0d
const BOVL = 0x0e
const BUVL = 0x0f
const TEMP_LIMIT = 0x10
const PWR_LIMIT = 0x11
const MFR_ID = 0x3e
const DEV_ID = 0x3f

class Rig {
    bus: EmulatedBus
    emu: Ina228Emulator
    constructor(shunt: number) {
        this.bus = new EmulatedBus()
        this.emu = new Ina228Emulator(ADDR, shunt)
        this.bus.attach(this.emu)
    }
}

function widthOf(reg: number): number {
    if (reg === VSHUNT || reg === VBUS || reg === CURRENT || reg === POWER) return 3
    if (reg === ENERGY || reg === CHARGE) return 5
    return 2
}

async function rd(r: Rig, reg: number): Promise<number> {
    return await readRegBE(r.bus, ADDR, reg, widthOf(reg))
}

async function wr(r: Rig, reg: number, value: number): Promise<void> {
    await writeReg16BE(r.bus, ADDR, reg, value)
}

/** Signed 20-bit value from a 24-bit register with data in bits 23:4. */
function s20(raw24: number): number {
    return (raw24 << 8) >> 12
}

function s16(v: number): number {
    return (v << 16) >> 16
}

function s40(v: number): number {
    return v >= TWO_39 ? v - TWO_40 : v
}

async function vshuntCode(r: Rig): Promise<number> {
    return s20(await rd(r, VSHUNT))
}

async function currentCode(r: Rig): Promise<number> {
    return s20(await rd(r, CURRENT))
}

async function vbusCode(r: Rig): Promise<number> {
    return (await rd(r, VBUS)) >> 4
}

/**
 * DeviceScript's compiler rejects an async arrow passed where TestApi.test expects `() => any`
 * ("async function ... not allowed here"). Passing it through a Promise-typed parameter is accepted; the runners
 * await the body (the VM entry wraps it in an async test, the Node runner awaits it).
 */
function asyncBody(f: () => Promise<void>): () => any {
    return f
}

function bytesEq(actual: number[], expected: number[], what: string): void {
    assertEq(JSON.stringify(actual), JSON.stringify(expected), what)
}

export const ina228EmulatorSpec: Spec = (t: TestApi) => {
    t.describe("INA228 emulator", () => {
        t.test("ID registers read TI / 0x2281", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            assertEq(await rd(r, MFR_ID), 0x5449, "MANUFACTURER_ID")
            const id = await rd(r, DEV_ID)
            assertEq(id, 0x2281, "DEVICE_ID")
            assertEq(id >> 4, 0x228, "DIEID")
        }))

        t.test("reset values of the 16-bit registers and zero results", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            const expected = [
                [CONFIG, 0x0000], [ADC_CONFIG, 0xfb68], [SHUNT_CAL, 0x1000], [SHUNT_TEMPCO, 0x0000],
                [DIAG, 0x0001], [SOVL, 0x7fff], [SUVL, 0x8000], [BOVL, 0x7fff], [BUVL, 0x0000],
                [TEMP_LIMIT, 0x7fff], [PWR_LIMIT, 0xffff],
            ]
            for (const e of expected) assertEq(await rd(r, e[0]), e[1], "reset value of reg " + e[0])
            const results = [VSHUNT, VBUS, DIETEMP, CURRENT, POWER, ENERGY, CHARGE]
            for (const reg of results) assertEq(await rd(r, reg), 0, "result reg " + reg + " before any conversion")
        }))

        t.test("pointer write, then reads from the pointer until it changes", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            bytesEq(await r.bus.transfer(ADDR, [MFR_ID], 0), [], "pointer-only write returns nothing")
            bytesEq(await r.bus.transfer(ADDR, [], 2), [0x54, 0x49], "read at pointer 0x3E")
            bytesEq(await r.bus.transfer(ADDR, [], 2), [0x54, 0x49], "second read, pointer kept")
            await r.bus.transfer(ADDR, [DEV_ID], 0)
            bytesEq(await r.bus.transfer(ADDR, [], 2), [0x22, 0x81], "read at pointer 0x3F")
            // a register write also moves the pointer
            await r.bus.transfer(ADDR, [SOVL, 0x12, 0x34], 0)
            bytesEq(await r.bus.transfer(ADDR, [], 2), [0x12, 0x34], "read after write at 0x0C")
            // write-then-read in one transaction (repeated start)
            bytesEq(await r.bus.transfer(ADDR, [ADC_CONFIG], 2), [0xfb, 0x68], "combined pointer+read")
            // a 2-byte write (pointer + one data byte) sets the pointer but writes nothing
            await r.bus.transfer(ADDR, [SUVL, 0x11], 0)
            bytesEq(await r.bus.transfer(ADDR, [], 2), [0x80, 0x00], "SUVL untouched by a short write")
        }))

        t.test("16/24/40-bit widths, MSB first, padding and truncation", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(8, 80, 25)
            r.emu.step(200000)
            // VSHUNT: 8 A * 10 mOhm = 80 mV = 256000 LSB -> 0x3E800 in bits 23:4 = 0x3E8000
            bytesEq(await r.bus.transfer(ADDR, [VSHUNT], 3), [0x3e, 0x80, 0x00], "VSHUNT 3 bytes")
            bytesEq(await r.bus.transfer(ADDR, [VSHUNT], 5), [0x3e, 0x80, 0x00, 0x00, 0x00], "VSHUNT padded to 5")
            bytesEq(await r.bus.transfer(ADDR, [VSHUNT], 1), [0x3e], "VSHUNT truncated to 1")
            // VBUS: 80 V = 409600 LSB = 0x64000 -> 0x640000
            bytesEq(await r.bus.transfer(ADDR, [VBUS], 4), [0x64, 0x00, 0x00, 0x00], "VBUS padded to 4")
            // DIETEMP is 16-bit: 25 C = 3200 = 0x0C80
            bytesEq(await r.bus.transfer(ADDR, [DIETEMP], 3), [0x0c, 0x80, 0x00], "DIETEMP padded to 3")
            bytesEq(await r.bus.transfer(ADDR, [MFR_ID], 1), [0x54], "MANUFACTURER_ID truncated")
            // ENERGY is 40-bit: 8 A at 80 V for 2e5 s -> POWER 10485750, ENERGY ~ 10485750 * 2e5 / 16 = 1.31e11
            const e5 = await r.bus.transfer(ADDR, [ENERGY], 5)
            const e7 = await r.bus.transfer(ADDR, [ENERGY], 7)
            assertEq(e7.length, 7, "ENERGY 7-byte read length")
            assertEq(e7[5], 0, "ENERGY pad byte 5")
            assertEq(e7[6], 0, "ENERGY pad byte 6")
            bytesEq(e7.slice(0, 5), e5, "ENERGY prefix")
            assertTrue(e5[0] !== 0, "ENERGY top byte (bits 39:32) is used")
            assertNear(beUnsigned(e5), (10485750 * 200000) / 16, 20000, "ENERGY 40-bit value")
            const q5 = await r.bus.transfer(ADDR, [CHARGE], 5)
            assertNear(beUnsigned(q5), 419430 * 200000, 20000, "CHARGE 40-bit value")
            const p3 = await r.bus.transfer(ADDR, [POWER], 3)
            assertEq(beUnsigned(p3), 10485750, "POWER 24-bit value")
        }))

        t.test("writable 16-bit registers read back", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            const vals = [
                [ADC_CONFIG, 0xf000], [SHUNT_CAL, 0x09c4], [SHUNT_TEMPCO, 0x0100], [SOVL, 0x1234], [SUVL, 0xfedc],
                [BOVL, 0x1234], [BUVL, 0x0abc], [TEMP_LIMIT, 0x2000], [PWR_LIMIT, 0xabcd], [CONFIG, 0x0010],
            ]
            for (const v of vals) await wr(r, v[0], v[1])
            for (const v of vals) assertEq(await rd(r, v[0]), v[1], "readback of reg " + v[0])
        }))

        t.test("reserved bits read as 0, DIAG_ALRT flags are read-only", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 0xffff)
            assertEq(await rd(r, SHUNT_CAL), 0x7fff, "SHUNT_CAL bit 15")
            await wr(r, SHUNT_TEMPCO, 0xffff)
            assertEq(await rd(r, SHUNT_TEMPCO), 0x3fff, "SHUNT_TEMPCO bits 15:14")
            await wr(r, BOVL, 0xffff)
            assertEq(await rd(r, BOVL), 0x7fff, "BOVL bit 15")
            await wr(r, BUVL, 0xffff)
            assertEq(await rd(r, BUVL), 0x7fff, "BUVL bit 15")
            await wr(r, CONFIG, 0x3fff)
            assertEq(await rd(r, CONFIG), 0x3ff0, "CONFIG bits 3:0")
            await wr(r, DIAG, 0xffff)
            assertEq(await rd(r, DIAG), 0xf001, "DIAG_ALRT: only 15..12 writable, MEMSTAT=1")
            await wr(r, DIAG, 0x0000)
            assertEq(await rd(r, DIAG), 0x0001, "DIAG_ALRT cleared control bits, MEMSTAT stays 1")
        }))

        t.test("writes to read-only registers are ignored", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(1.5, 12, 30)
            r.emu.step(10)
            const ro = [VSHUNT, VBUS, DIETEMP, CURRENT, POWER, ENERGY, CHARGE, MFR_ID, DEV_ID]
            const before: number[] = []
            for (const reg of ro) before.push(await rd(r, reg))
            assertTrue(before[0] !== 0 && before[5] !== 0, "results are non-zero before the test writes")
            for (const reg of ro) await wr(r, reg, 0x1234)
            for (let i = 0; i < ro.length; i++) assertEq(await rd(r, ro[i]), before[i], "read-only reg " + ro[i])
        }))

        t.test("an unknown pointer reads 0x0000 and ignores writes", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, 0x20, 0xbeef)
            assertEq(await rd(r, 0x20), 0, "reg 0x20")
            assertEq(await rd(r, 0x3d), 0, "reg 0x3D")
            assertEq(await rd(r, 0x12), 0, "reg 0x12")
        }))

        t.test("CONFIG.RST restores every register and reads back 0", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, CONFIG, 0x0030)
            await wr(r, ADC_CONFIG, 0xf000)
            await wr(r, SHUNT_CAL, 2500)
            await wr(r, SHUNT_TEMPCO, 50)
            await wr(r, DIAG, 0x9000)
            await wr(r, SOVL, 100)
            await wr(r, SUVL, 0xff00)
            await wr(r, BOVL, 100)
            await wr(r, BUVL, 50)
            await wr(r, TEMP_LIMIT, 100)
            await wr(r, PWR_LIMIT, 100)
            r.emu.setInputs(2, 12, 40)
            r.emu.step(5)
            assertTrue((await rd(r, ENERGY)) > 0, "energy accumulated before reset")
            await wr(r, CONFIG, 0x8000)
            const expected = [
                [CONFIG, 0x0000], [ADC_CONFIG, 0xfb68], [SHUNT_CAL, 0x1000], [SHUNT_TEMPCO, 0x0000],
                [DIAG, 0x0001], [SOVL, 0x7fff], [SUVL, 0x8000], [BOVL, 0x7fff], [BUVL, 0x0000],
                [TEMP_LIMIT, 0x7fff], [PWR_LIMIT, 0xffff], [VSHUNT, 0], [VBUS, 0], [DIETEMP, 0], [CURRENT, 0],
                [POWER, 0], [ENERGY, 0], [CHARGE, 0],
            ]
            for (const e of expected) assertEq(await rd(r, e[0]), e[1], "after RST, reg " + e[0])
            assertTrue(!r.emu.alertAsserted(), "no alert after RST")
        }))

        t.test("CONFIG.RSTACC clears ENERGY and CHARGE only and reads back 0", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, CONFIG, 0x0010) // ADCRANGE=1
            await wr(r, SHUNT_CAL, 10000)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(10)
            const e0 = await rd(r, ENERGY)
            assertTrue(e0 > 10000, "ENERGY accumulated (" + e0 + ")")
            assertTrue((await rd(r, CHARGE)) > 100000, "CHARGE accumulated")
            await wr(r, CONFIG, 0x4010)
            assertEq(await rd(r, CONFIG), 0x0010, "CONFIG keeps ADCRANGE, RSTACC reads 0")
            assertEq(await rd(r, ENERGY), 0, "ENERGY cleared")
            assertEq(await rd(r, CHARGE), 0, "CHARGE cleared")
            assertEq(await vshuntCode(r), 128000, "VSHUNT untouched by RSTACC")
            assertEq(await rd(r, SHUNT_CAL), 10000, "SHUNT_CAL untouched by RSTACC")
            r.emu.step(1)
            const e1 = await rd(r, ENERGY)
            assertTrue(e1 > 0 && e1 < e0 / 5, "ENERGY restarts from 0 (" + e1 + ")")
        }))

        t.test("VSHUNT quantisation: positive, negative, sub-LSB, ADCRANGE=1", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VSHUNT), 0x07d000, "1 A -> 10 mV = 32000 LSB in bits 23:4")
            r.emu.setInputs(-1, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VSHUNT), 0xf83000, "-1 A -> two's complement -32000")
            assertEq(await vshuntCode(r), -32000, "-1 A decoded")
            r.emu.setInputs(0.0123456, 12, 25) // 123.456 uV / 312.5 nV = 395.06
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 395, "sub-LSB rounding")
            assertEq((await rd(r, VSHUNT)) & 0xf, 0, "bits 3:0 are 0")
            await wr(r, CONFIG, 0x0010)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 128000, "ADCRANGE=1: 10 mV / 78.125 nV")
            r.emu.setInputs(-0.5, 12, 25)
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), -64000, "ADCRANGE=1 negative")
        }))

        t.test("VSHUNT saturates at full scale", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(20, 12, 25) // 200 mV > 163.84 mV
            r.emu.step(0.01)
            assertEq(await rd(r, VSHUNT), 0x7ffff0, "positive full scale")
            r.emu.setInputs(-20, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VSHUNT), 0x800000, "negative full scale")
            await wr(r, CONFIG, 0x0010)
            r.emu.setInputs(5, 12, 25) // 50 mV > 40.96 mV
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 524287, "ADCRANGE=1 positive full scale")
            r.emu.setInputs(4, 12, 25) // 40 mV, inside the range
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 512000, "ADCRANGE=1 40 mV")
        }))

        t.test("VBUS quantisation and saturation", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(0, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VBUS), 0x0f0000, "12 V = 61440 LSB in bits 23:4")
            r.emu.setInputs(0, 3.3, 25)
            r.emu.step(0.01)
            assertEq(await vbusCode(r), 16896, "3.3 V")
            r.emu.setInputs(0, 12.3456, 25) // 63209.47 LSB
            r.emu.step(0.01)
            assertEq(await vbusCode(r), 63209, "12.3456 V rounds to nearest LSB")
            assertNear((await vbusCode(r)) * 195.3125e-6, 12.3456, 0.0001, "12.3456 V in volts")
            r.emu.setInputs(0, -0.5, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VBUS), 0, "negative bus voltage clamps to 0")
            r.emu.setInputs(0, 110, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, VBUS), 0x7ffff0, "saturates at positive full scale (102.4 V)")
        }))

        t.test("DIETEMP quantisation (16-bit, 7.8125 m°C)", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(0, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, DIETEMP), 0x0c80, "25 C = 3200")
            r.emu.setInputs(0, 12, -10.5)
            r.emu.step(0.01)
            assertEq(await rd(r, DIETEMP), 0xfac0, "-10.5 C = -1344")
            r.emu.setInputs(0, 12, 25.004) // 3200.512
            r.emu.step(0.01)
            assertEq(await rd(r, DIETEMP), 3201, "25.004 C rounds to 3201")
            r.emu.setInputs(0, 12, 300)
            r.emu.step(0.01)
            assertEq(await rd(r, DIETEMP), 0x7fff, "saturates at +255.99 C")
        }))

        t.test("CURRENT from SHUNT_CAL: 10 mOhm, 2500, +/-1 A", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertEq(await currentCode(r), 32000, "reset SHUNT_CAL 4096: CURRENT equals VSHUNT code")
            await wr(r, SHUNT_CAL, 2500)
            r.emu.step(0.01)
            const c = await currentCode(r)
            assertNear(c, 52429, 1, "CURRENT for 1 A (32000 * 4096 / 2500 = 52428.8)")
            assertEq(c, 52428, "CURRENT truncates 52428.8")
            assertNear(c * I_LSB, 1, 0.0001, "CURRENT in amperes")
            r.emu.setInputs(-1, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, CURRENT), 0xf33340, "-1 A raw two's complement")
            assertEq(await currentCode(r), -52428, "-1 A decoded")
        }))

        t.test("CURRENT with ADCRANGE=1 uses the 4x SHUNT_CAL", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, CONFIG, 0x0010)
            await wr(r, SHUNT_CAL, 10000)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertEq(await currentCode(r), 52428, "128000 * 4096 / 10000")
            await wr(r, SHUNT_CAL, 2500) // not multiplied by 4: current reads 4x too high
            r.emu.step(0.01)
            assertEq(await currentCode(r), 209715, "128000 * 4096 / 2500")
        }))

        t.test("TEMPCOMP scales CURRENT by SHUNT_TEMPCO", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            await wr(r, SHUNT_TEMPCO, 100) // 100 ppm/C
            r.emu.setInputs(1, 12, 75)
            r.emu.step(0.01)
            assertEq(await currentCode(r), 52428, "TEMPCOMP off: tempco ignored")
            await wr(r, CONFIG, 0x0020)
            r.emu.step(0.01)
            assertEq(await currentCode(r), 52167, "TEMPCOMP on: 52428.8 / (1 + 100e-6 * 50)")
        }))

        t.test("SHUNT_CAL = 0 gives CURRENT 0, POWER 0, no accumulation", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 0)
            r.emu.setInputs(2, 12, 25)
            r.emu.step(10)
            assertEq(await vshuntCode(r), 64000, "VSHUNT still measured")
            assertEq(await rd(r, CURRENT), 0, "CURRENT")
            assertEq(await rd(r, POWER), 0, "POWER")
            assertEq(await rd(r, ENERGY), 0, "ENERGY")
            assertEq(await rd(r, CHARGE), 0, "CHARGE")
        }))

        t.test("POWER = |CURRENT| x VBUS in 3.2 x CURRENT_LSB units", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(2, 12, 25)
            r.emu.step(0.01)
            // CURRENT = trunc(64000 * 4096 / 2500) = 104857; POWER = trunc(104857 * 61440 / 16384) = 393213
            assertEq(await rd(r, POWER), 393213, "POWER code for 2 A at 12 V")
            assertNear((await rd(r, POWER)) * P_LSB, 24, 0.001, "POWER in watts")
            r.emu.setInputs(-2, 12, 25)
            r.emu.step(0.01)
            assertEq(await rd(r, POWER), 393213, "POWER is unsigned: same for -2 A")
        }))

        t.test("CURRENT saturation sets MATHOF; the next clean conversion clears it", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 1)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertEq(await currentCode(r), 524287, "CURRENT saturates")
            assertEq((await rd(r, DIAG)) & 0x0200, 0x0200, "MATHOF set")
            assertTrue(!r.emu.alertAsserted(), "MATHOF does not drive ALERT")
            await wr(r, SHUNT_CAL, 2500)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0200, 0, "MATHOF cleared by a conversion")
        }))

        t.test("ENERGY and CHARGE: 2 A at 12 V for 3600 s", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(2, 12, 25)
            for (let i = 0; i < 3600; i++) {
                r.emu.step(1)
                if (i % 50 === 49) await t.pause()
            }
            const joules = (await rd(r, ENERGY)) * E_LSB
            const coulombs = s40(await rd(r, CHARGE)) * I_LSB
            assertNear(joules, 2 * 12 * 3600, 5, "ENERGY joules (86400 J)")
            assertNear(coulombs, 2 * 3600, 0.5, "CHARGE coulombs (7200 C)")
        }))

        t.test("accumulators keep sub-LSB remainders across tiny steps", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(0.01, 5, 25) // 10 mA at 5 V = 50 mW; one conversion adds ~0.16 ENERGY LSB
            for (let i = 0; i < 3000; i++) {
                r.emu.step(0.001)
                if (i % 250 === 249) await t.pause()
            }
            const joules = (await rd(r, ENERGY)) * E_LSB
            const coulombs = s40(await rd(r, CHARGE)) * I_LSB
            assertNear(joules, 0.05 * 3, 0.003, "ENERGY joules (0.15 J)")
            assertNear(coulombs, 0.01 * 3, 0.0005, "CHARGE coulombs (0.03 C)")
        }))

        t.test("CHARGE is negative for negative current, ENERGY still grows", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(-2, 12, 25)
            r.emu.step(100)
            const raw = await rd(r, CHARGE)
            assertTrue(raw >= TWO_39, "CHARGE raw has the sign bit (bit 39) set")
            const q = await r.bus.transfer(ADDR, [CHARGE], 5)
            assertEq(q[0], 0xff, "CHARGE top byte of a small negative value")
            assertNear(s40(raw) * I_LSB, -200, 0.05, "CHARGE coulombs (-200 C)")
            assertNear((await rd(r, ENERGY)) * E_LSB, 2400, 0.5, "ENERGY joules (2400 J)")
            assertEq((await rd(r, DIAG)) & 0x0c00, 0, "no overflow flags")
        }))

        t.test("40-bit wrap sets ENERGYOF/CHARGEOF; reading ENERGY/CHARGE clears them", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(8, 80, 25) // CURRENT 419430, POWER 10485750
            for (let i = 0; i < 4; i++) r.emu.step(500000)
            const d = await rd(r, DIAG)
            assertEq(d & 0x0c00, 0x0c00, "ENERGYOF and CHARGEOF set")
            assertEq((await rd(r, DIAG)) & 0x0c00, 0x0c00, "a DIAG_ALRT read does not clear them")
            const eExpected = (10485750 * 2e6) / 16 - TWO_40
            assertNear(await rd(r, ENERGY), eExpected, 10000, "ENERGY wrapped modulo 2^40")
            assertEq((await rd(r, DIAG)) & 0x0c00, 0x0400, "reading ENERGY clears ENERGYOF only")
            const qExpected = 419430 * 2e6 - TWO_40
            assertNear(s40(await rd(r, CHARGE)), qExpected, 10000, "CHARGE wrapped to negative")
            assertEq((await rd(r, DIAG)) & 0x0c00, 0, "reading CHARGE clears CHARGEOF")
        }))

        t.test("CHARGE wraps from negative to positive; RSTACC clears the flags", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(-8, 80, 25)
            r.emu.step(1.5e6)
            assertEq((await rd(r, DIAG)) & 0x0400, 0x0400, "CHARGEOF set")
            await wr(r, CONFIG, 0x4000)
            assertEq((await rd(r, DIAG)) & 0x0c00, 0, "RSTACC clears the overflow flags")
            r.emu.step(1.5e6)
            const q = s40(await rd(r, CHARGE))
            assertNear(q, -419430 * 1.5e6 + TWO_40, 10000, "CHARGE wrapped to positive")
        }))

        t.test("no update before one conversion period; CNVRF set, cleared by DIAG_ALRT read", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            assertNear(r.emu.conversionPeriod_s(), 0.003156, 1e-9, "reset period: 3 x 1052 us")
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.003)
            assertEq(await rd(r, VSHUNT), 0, "no result after 3.0 ms")
            assertEq((await rd(r, DIAG)) & 2, 0, "CNVRF clear")
            r.emu.step(0.0002)
            assertEq(await vshuntCode(r), 32000, "result after 3.2 ms")
            assertEq(await vbusCode(r), 61440, "VBUS after 3.2 ms")
            assertEq(await rd(r, DIETEMP), 3200, "DIETEMP after 3.2 ms")
            assertEq((await rd(r, DIAG)) & 2, 2, "CNVRF set")
            assertEq((await rd(r, DIAG)) & 2, 0, "CNVRF cleared by the previous DIAG_ALRT read")
        }))

        t.test("conversion period follows CT codes, AVG and enabled channels", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, ADC_CONFIG, 0xf000) // all CT 50 us, AVG 1 -> 150 us
            r.emu.setInputs(1, 12, 25)
            r.emu.step(140e-6)
            assertEq(await rd(r, VSHUNT), 0, "150 us period: nothing at 140 us")
            r.emu.step(20e-6)
            assertEq(await vshuntCode(r), 32000, "150 us period: result at 160 us")

            await wr(r, ADC_CONFIG, 0xffff) // CT 4120 us x 3, AVG 1024 -> 12.65664 s
            r.emu.setInputs(2, 12, 25)
            r.emu.step(12.6)
            assertEq(await vshuntCode(r), 32000, "AVG 1024: nothing at 12.6 s")
            r.emu.step(0.1)
            assertEq(await vshuntCode(r), 64000, "AVG 1024: result at 12.7 s")

            const r2 = new Rig(R_SHUNT)
            await wr(r2, ADC_CONFIG, 0xbb68) // shunt + bus only, 1052 us each -> 2104 us
            r2.emu.setInputs(1, 12, 25)
            r2.emu.step(0.002)
            assertEq(await rd(r2, VSHUNT), 0, "2104 us period: nothing at 2.0 ms")
            r2.emu.step(0.0002)
            assertEq(await vshuntCode(r2), 32000, "2104 us period: result at 2.2 ms")
            r2.emu.step(1)
            assertEq(await rd(r2, DIETEMP), 0, "temperature channel disabled")
        }))

        t.test("shutdown mode freezes results and accumulators", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SHUNT_CAL, 2500)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(1)
            const e = await rd(r, ENERGY)
            const q = await rd(r, CHARGE)
            assertTrue(e > 0, "energy before shutdown")
            await wr(r, ADC_CONFIG, 0x0b68) // MODE 0
            await rd(r, DIAG) // clears CNVRF
            r.emu.setInputs(3, 20, 50)
            r.emu.step(10)
            assertEq((await rd(r, DIAG)) & 2, 0, "MODE 0: no conversion-ready")
            assertEq(await vshuntCode(r), 32000, "MODE 0: VSHUNT frozen")
            assertEq(await vbusCode(r), 61440, "MODE 0: VBUS frozen")
            assertEq(await rd(r, ENERGY), e, "MODE 0: ENERGY frozen")
            assertEq(await rd(r, CHARGE), q, "MODE 0: CHARGE frozen")
            await wr(r, ADC_CONFIG, 0x8b68) // MODE 8
            r.emu.step(10)
            assertEq(await vshuntCode(r), 32000, "MODE 8: VSHUNT frozen")
            assertEq((await rd(r, DIAG)) & 2, 0, "MODE 8: no conversion-ready")
            assertEq(await rd(r, ENERGY), e, "MODE 8: ENERGY frozen")
            await wr(r, ADC_CONFIG, 0xfb68)
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 96000, "continuous again: new result")
        }))

        t.test("triggered modes convert once per ADC_CONFIG write", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, ADC_CONFIG, 0x7b68) // MODE 7: triggered T + VSHUNT + VBUS, 3156 us
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.001)
            assertEq(await rd(r, VSHUNT), 0, "not before the conversion time")
            r.emu.step(0.003)
            assertEq(await vshuntCode(r), 32000, "one conversion done")
            assertEq((await rd(r, DIAG)) & 2, 2, "CNVRF after the triggered conversion")
            r.emu.setInputs(2, 24, 25)
            r.emu.step(1)
            assertEq(await vshuntCode(r), 32000, "no further conversions")
            assertEq((await rd(r, DIAG)) & 2, 0, "no further CNVRF")
            await wr(r, ADC_CONFIG, 0x7b68)
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 64000, "re-trigger converts again")
            assertEq(await vbusCode(r), 122880, "VBUS converted too")
            await wr(r, ADC_CONFIG, 0x2b68) // MODE 2: triggered shunt only
            r.emu.setInputs(3, 5, 25)
            r.emu.step(0.01)
            assertEq(await vshuntCode(r), 96000, "MODE 2 converts the shunt")
            assertEq(await vbusCode(r), 122880, "MODE 2 leaves VBUS alone")
        }))

        t.test("CONVDLY delays the first conversion after an ADC_CONFIG write", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, CONFIG, 5 << 6) // 10 ms
            await wr(r, ADC_CONFIG, 0xfb68)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.012)
            assertEq(await rd(r, VSHUNT), 0, "nothing at 12 ms (10 ms delay + 3.156 ms)")
            r.emu.step(0.002)
            assertEq(await vshuntCode(r), 32000, "result at 14 ms")
        }))

        t.test("SOVL trip with ALATCH=1 stays latched until DIAG_ALRT is read", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SOVL, 10000) // 50 mV = 5 A on 10 mOhm
            await wr(r, DIAG, 0x8000)
            r.emu.setInputs(4, 12, 25)
            r.emu.step(0.01)
            assertTrue(!r.emu.alertAsserted(), "4 A: no alert")
            assertEq(r.emu.alertPinLevel(), 1, "idle pin high (APOL=0)")
            r.emu.setInputs(6, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "6 A: alert")
            assertEq(r.emu.alertPinLevel(), 0, "pin pulled low")
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "still latched after the current fell")
            assertEq(r.emu.alertPinLevel(), 0, "pin still low")
            const d = await rd(r, DIAG)
            assertEq(d & 0x0040, 0x0040, "SHNTOL latched in DIAG_ALRT")
            assertEq(d & 0x8000, 0x8000, "ALATCH reads back")
            assertTrue(!r.emu.alertAsserted(), "alert released by the read")
            assertEq(r.emu.alertPinLevel(), 1, "pin released")
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0040, 0, "SHNTOL stays clear at 1 A")
        }))

        t.test("SOVL with ALATCH=0 is transparent", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SOVL, 10000)
            r.emu.setInputs(6, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "6 A: alert")
            assertEq((await rd(r, DIAG)) & 0x0040, 0x0040, "SHNTOL set")
            assertTrue(r.emu.alertAsserted(), "a DIAG_ALRT read does not clear a present condition")
            assertEq((await rd(r, DIAG)) & 0x0040, 0x0040, "SHNTOL still set")
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertTrue(!r.emu.alertAsserted(), "alert follows the conversion without a read")
            assertEq(r.emu.alertPinLevel(), 1, "pin released")
            assertEq((await rd(r, DIAG)) & 0x0040, 0, "SHNTOL clear")
        }))

        t.test("SOVL compares at 5 uV (1.25 uV with ADCRANGE=1), strict exceed", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SOVL, 10000)
            r.emu.setInputs(5, 12, 25) // exactly 50 mV: not exceeding
            r.emu.step(0.01)
            assertTrue(!r.emu.alertAsserted(), "exactly at the limit: no alert")
            r.emu.setInputs(5.001, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "10 uV over the limit: alert")
            await wr(r, CONFIG, 0x0010) // SOVL 10000 now means 12.5 mV = 1.25 A
            r.emu.setInputs(1.2, 12, 25)
            r.emu.step(0.01)
            assertTrue(!r.emu.alertAsserted(), "ADCRANGE=1, 1.2 A: no alert")
            r.emu.setInputs(1.3, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "ADCRANGE=1, 1.3 A: alert")
        }))

        t.test("SUVL trips on negative shunt voltage", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, SUVL, 0x10000 - 10000) // -50 mV = -5 A
            r.emu.setInputs(-4, 12, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0060, 0, "-4 A: no shunt flags")
            r.emu.setInputs(-6, 12, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0060, 0x0020, "-6 A: SHNTUL only")
            assertTrue(r.emu.alertAsserted(), "alert")
        }))

        t.test("APOL=1 makes the pin active-high", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, DIAG, 0x1000)
            await wr(r, SOVL, 10000)
            r.emu.setInputs(1, 12, 25)
            r.emu.step(0.01)
            assertTrue(!r.emu.alertAsserted(), "no alert")
            assertEq(r.emu.alertPinLevel(), 0, "idle pin low with APOL=1")
            r.emu.setInputs(6, 12, 25)
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "alert (logical state independent of APOL)")
            assertEq(r.emu.alertPinLevel(), 1, "alerting pin high with APOL=1")
        }))

        t.test("BOVL and BUVL compare VBUS at 3.125 mV", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, BOVL, 4800) // 15 V
            await wr(r, BUVL, 3200) // 10 V
            r.emu.setInputs(0, 12, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0018, 0, "12 V: no bus flags")
            assertTrue(!r.emu.alertAsserted(), "12 V: no alert")
            r.emu.setInputs(0, 15, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0018, 0, "exactly 15 V: not over")
            r.emu.setInputs(0, 16, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0018, 0x0010, "16 V: BUSOL")
            assertTrue(r.emu.alertAsserted(), "16 V: alert")
            r.emu.setInputs(0, 9, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0018, 0x0008, "9 V: BUSUL")
        }))

        t.test("TEMP_LIMIT and PWR_LIMIT (POWER[23:8])", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, TEMP_LIMIT, 80 * 128)
            await wr(r, SHUNT_CAL, 2500)
            await wr(r, PWR_LIMIT, 1535) // POWER 393213 >> 8 = 1535: not over
            r.emu.setInputs(2, 12, 75)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0084, 0, "75 C, POWER at the limit: no flags")
            r.emu.setInputs(2, 12, 85)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0084, 0x0080, "85 C: TMPOL")
            await wr(r, PWR_LIMIT, 1534)
            r.emu.setInputs(2, 12, 25)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x0084, 0x0004, "POWER over the limit: POL")
            assertTrue(r.emu.alertAsserted(), "POL alerts")
        }))

        t.test("default limits never trip, even at full scale", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            r.emu.setInputs(30, 120, 300)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x00fc, 0, "positive full scale: no limit flags")
            assertTrue(!r.emu.alertAsserted(), "positive full scale: no alert")
            r.emu.setInputs(-30, 0, -60)
            r.emu.step(0.01)
            assertEq((await rd(r, DIAG)) & 0x00fc, 0, "negative full scale: no limit flags")
            assertTrue(!r.emu.alertAsserted(), "negative full scale: no alert")
        }))

        t.test("CNVR=1 asserts ALERT on conversion ready until DIAG_ALRT is read", asyncBody(async () => {
            const r = new Rig(R_SHUNT)
            await wr(r, DIAG, 0x4000)
            r.emu.setInputs(1, 12, 25)
            assertTrue(!r.emu.alertAsserted(), "no conversion yet")
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "conversion ready")
            assertEq(r.emu.alertPinLevel(), 0, "pin low")
            assertEq((await rd(r, DIAG)) & 0x4002, 0x4002, "CNVR and CNVRF read back")
            assertTrue(!r.emu.alertAsserted(), "cleared by the read")
            r.emu.step(0.01)
            assertTrue(r.emu.alertAsserted(), "next conversion asserts again")
            await wr(r, DIAG, 0x0000)
            assertTrue(!r.emu.alertAsserted(), "CNVR=0: CNVRF alone does not alert")
        }))

        t.test("two emulators on one bus answer at their own addresses", asyncBody(async () => {
            const bus = new EmulatedBus()
            const a = new Ina228Emulator(0x40, 0.01)
            const b = new Ina228Emulator(0x41, 0.005)
            bus.attach(a)
            bus.attach(b)
            a.setInputs(1, 12, 25)
            b.setInputs(1, 5, 25)
            a.step(0.01)
            b.step(0.01)
            assertEq(s20(await readRegBE(bus, 0x40, VSHUNT, 3)), 32000, "0x40: 10 mOhm")
            assertEq(s20(await readRegBE(bus, 0x41, VSHUNT, 3)), 16000, "0x41: 5 mOhm")
            assertEq((await readRegBE(bus, 0x41, VBUS, 3)) >> 4, 25600, "0x41 VBUS")
            assertEq(s16(await readRegBE(bus, 0x40, SUVL, 2)), -32768, "SUVL decodes as -32768")
        }))
    })
}
