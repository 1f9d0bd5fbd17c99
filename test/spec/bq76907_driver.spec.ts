// The production BQ76907 driver against the register-level emulator (written independently from the
// same facts page, docs/bq76907-facts.md), plus small fakes for the failure paths.
import { EmulatedBus, I2cDevice } from "../../sim/emulators/emulated_bus"
import { Bq76907Emulator } from "../../sim/emulators/bq76907"
import { Bus, BusError, DeviceError } from "../../src/drivers/bus"
import { AfeProtectionConfig, Bq76907, bq76907Defaults, bq76907FetState, bq76907ReadBytes, bq76907ReadDataMemory, bq76907ReadPassq, bq76907ResetPassq, bq76907Safety, bq76907TsToCelsius, crc8 } from "../../src/drivers/bq76907"
import { Spec, TestApi, assertEq, assertNear, assertTrue, catchAsync } from "../harness/api"

const SHUNT = 0.001

interface Setup {
    bus: EmulatedBus
    emu: Bq76907Emulator
    drv: Bq76907
}

function setup(cells: number, crc: boolean): Setup {
    const bus = new EmulatedBus()
    const emu = new Bq76907Emulator(0x08, cells, SHUNT, { crc, seed: 7 })
    bus.attach(emu)
    const c = bq76907Defaults(cells)
    c.crc = crc
    return { bus, emu, drv: new Bq76907(bus, c) }
}

function volts(n: number, v: number): number[] {
    const out: number[] = []
    for (let i = 0; i < n; i++) out.push(v + i * 0.01)
    return out
}

/** A chip at 0x08 that answers every read with a fixed pattern (another part, or a stuck bus). */
class Stuck implements I2cDevice {
    address = 0x08
    value: number
    constructor(value: number) {
        this.value = value
    }
    transfer(write: number[], n: number): number[] {
        const out: number[] = []
        for (let i = 0; i < n; i++) out.push(this.value)
        return out
    }
}

export const bq76907DriverSpec: Spec = (t: TestApi) => {
    t.describe("BQ76907 driver", () => {
        t.test("crc8 matches TI's worked examples", async () => {
            assertEq(crc8([0x10, 0x3e, 0x22]), 0x63, "FET_ENABLE write")
            assertEq(crc8([0x00]), 0x00, "zero byte")
            assertEq(crc8([0x10, 0x14, 0x11, 0xc5]), 0x79, "cell 1 read, first byte")
            assertEq(crc8([0x0b]), 0x31, "second byte")
        })

        t.test("probe finds the emulated BQ76907 and configure sets and verifies the cell count", async () => {
            const s = setup(4, false)
            await s.drv.probe()
            await s.drv.configure()
            const mode = await bq76907ReadDataMemory(s.drv, 0x901b, 1)
            assertEq(mode[0], 4, "Vcell Mode")
        })

        t.test("probe with nothing at 0x08 is a BusError; with another chip a DeviceError naming what answered", async () => {
            const bus = new EmulatedBus()
            const drv = new Bq76907(bus, bq76907Defaults(4))
            const e = await catchAsync(async () => {
                await drv.probe()
            })
            assertTrue(e instanceof BusError, "BusError: " + e)
            const bus2 = new EmulatedBus()
            bus2.attach(new Stuck(0x00))
            const e2 = await catchAsync(async () => {
                await new Bq76907(bus2, bq76907Defaults(4)).probe()
            })
            assertTrue(e2 instanceof DeviceError, "DeviceError: " + e2)
            assertTrue(("" + e2.message).indexOf("0x08") >= 0, "message names the address: " + e2.message)
        })

        t.test("a cell count the part cannot take is refused at construction", async () => {
            let threw = false
            try {
                new Bq76907(new EmulatedBus(), bq76907Defaults(8))
            } catch (e) {
                threw = true
            }
            assertTrue(threw, "8 cells refused")
        })

        t.test("read(): cell voltages, stack, current sign and temperatures", async () => {
            const s = setup(4, false)
            await s.drv.configure()
            s.emu.setErrors({ cellNoise_V: 0, currentNoise_A: 0, tempNoise_C: 0 })
            s.emu.setInputs(volts(4, 3.7), 2.5, 31, 24)
            s.emu.step(0.5)
            const r = await s.drv.read()
            for (let i = 0; i < 4; i++) assertNear(r.cell_mV[i], 3700 + 10 * i, 1, "cell " + i)
            assertNear(r.stack_mV, 3700 + 3710 + 3720 + 3730, 2, "stack")
            assertNear(r.current_A, 2.5, 0.002, "discharge is positive at the driver")
            assertNear(r.dieTemp_C, 31, 1, "die temperature")
            assertNear(r.ts_C, 24, 0.3, "thermistor temperature")
            s.emu.setInputs(volts(4, 3.7), -1.25, 31, 24)
            s.emu.step(0.5)
            const r2 = await s.drv.read()
            assertNear(r2.current_A, -1.25, 0.002, "charging is negative at the driver")
        })

        t.test("PASSQ: the charge counted over an hour, and its time", async () => {
            const s = setup(4, false)
            await s.drv.configure()
            await bq76907ResetPassq(s.drv)
            s.emu.setErrors({ currentNoise_A: 0 })
            s.emu.setInputs(volts(4, 3.7), 3, 25, 25)
            for (let k = 0; k < 60; k++) {
                s.emu.step(60)
                if (k % 10 === 9) await t.pause()
            }
            const q = await bq76907ReadPassq(s.drv)
            assertNear(q.charge_C, 3 * 3600, 3 * 3600 * 0.001, "3 A for an hour, discharge positive")
            assertNear(q.time_s, 3600, 0.5, "PASSTIME")
        })

        t.test("PASSQ carries the sensor's offset and gain (the estimator has to calibrate them out)", async () => {
            const s = setup(4, false)
            await s.drv.configure()
            await bq76907ResetPassq(s.drv)
            // 20 mA offset in the chip's sign (charge positive), 1 % gain.
            s.emu.setErrors({ currentNoise_A: 0, currentOffset_A: 0.02, currentGain: 1.01 })
            s.emu.setInputs(volts(4, 3.7), 2, 25, 25)
            for (let k = 0; k < 10; k++) s.emu.step(360)
            const q = await bq76907ReadPassq(s.drv)
            // Measured (chip sign) = 1.01 * (-2) + 0.02 = -2.0 A -> discharge-positive 2.0 A for an hour.
            assertNear(q.charge_C, 2.0 * 3600, 2, "charge with the errors in")
        })

        t.test("with CRC on, reads and writes still work, and a garbled byte is caught", async () => {
            const s = setup(4, true)
            await s.drv.probe()
            await s.drv.configure()
            await t.pause() // CRC costs VM operations: a new slice for the rest
            s.emu.setInputs(volts(4, 3.6), 1, 25, 25)
            s.emu.step(0.5)
            const r = await s.drv.read()
            assertNear(r.cell_mV[0], 3600, 2, "cell 1 through CRC framing")
            let flip = true
            // The same chip behind a bus that corrupts one byte of the next read on its way back.
            const garble: EmulatedBus = new EmulatedBus()
            garble.attach({
                address: 0x08,
                transfer: (w: number[], n: number) => {
                    const b = s.emu.transfer(w, n)
                    if (flip && n > 0) {
                        b[0] = b[0] ^ 0x01
                        flip = false
                    }
                    return b
                },
            })
            const c = bq76907Defaults(4)
            c.crc = true
            const e = await catchAsync(async () => {
                await bq76907ReadBytes(new Bq76907(garble, c), 0x14, 2)
            })
            assertTrue(e instanceof DeviceError && ("" + e.message).indexOf("CRC") >= 0, "CRC error: " + e)
        })

        t.test("a checksum mismatch on a subcommand is a DeviceError, not a wrong value", async () => {
            // A chip that echoes the subcommand but returns a bad checksum.
            const bad = new EmulatedBus()
            let lastSub = 0
            bad.attach({
                address: 0x08,
                transfer: (w: number[], n: number) => {
                    if (w[0] === 0x3e && w.length >= 3) lastSub = w[1] | (w[2] << 8)
                    if (n === 0) return []
                    if (w[0] === 0x3e) return [lastSub & 0xff, lastSub >> 8]
                    if (w[0] === 0x61) return [6]
                    if (w[0] === 0x40) return [0x07, 0x76]
                    return [0x00]
                },
            })
            const e = await catchAsync(async () => {
                await new Bq76907(bad, bq76907Defaults(4)).probe()
            })
            assertTrue(e instanceof DeviceError && ("" + e.message).indexOf("checksum") >= 0, "checksum error: " + e)
        })

        t.test("the thermistor conversion matches the facts page's hand values", async () => {
            const s = setup(4, false)
            assertNear(bq76907TsToCelsius(s.drv, 6554), 25, 0.1, "25 °C")
            assertNear(bq76907TsToCelsius(s.drv, 11587), 0, 0.1, "0 °C")
            assertNear(bq76907TsToCelsius(s.drv, 3835), 45, 0.1, "45 °C")
            assertTrue(!(bq76907TsToCelsius(s.drv, 0) === bq76907TsToCelsius(s.drv, 0)), "an open thermistor is NaN, not a number")
        })
    })
}

// ---------------------------------------------------------------------------------------------------------------
// The AFE's own protections through the driver: arm, verify, safety, FETs.

/** What the firmware asks for on the reference 4S pack (ADSCAN = 5 slots of 768 LFO ticks = 14.6484375 ms). */
function sampleConfig(): AfeProtectionConfig {
    return {
        cov_mV: 4250, covDelay_ms: 1000,
        cuv_mV: 2500.4, cuvDelay_ms: 500,
        occ_mA: 6250, occDelay_ms: 1000,
        ocd_mA: 25000, ocdDelay_ms: 100,
        scd_mA: 45000, scdDelay_us: 250,
    }
}

const SCAN4_MS = (5 * 768) / 262.144

async function armed(cells: number, crc: boolean): Promise<Setup> {
    const s = setup(cells, crc)
    await s.drv.configure()
    s.emu.setErrors({ cellNoise_V: 0, currentNoise_A: 0, tempNoise_C: 0 })
    return s
}

/**
 * The emulated bus, yielding every few transfers as a real I2C bus (or the live simulator's) does: with CRC on,
 * one armProtections costs more VM operations than a slice allows.
 */
class PausingBus implements Bus {
    inner: EmulatedBus
    pause: () => Promise<void>
    n = 0
    constructor(inner: EmulatedBus, pause: () => Promise<void>) {
        this.inner = inner
        this.pause = pause
    }
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        this.n++
        if (this.n % 8 === 0) await this.pause()
        return await this.inner.transfer(address, write, readLength)
    }
}

/** A raw data-memory write behind the driver's back (CONFIG_UPDATE, entry, exit), as another master could. */
async function sneakWrite(s: Setup, addr: number, data: number[]): Promise<void> {
    await s.bus.transfer(0x08, [0x3e, 0x90, 0x00], 0)
    let sum = (addr & 0xff) + (addr >> 8)
    for (const d of data) sum += d
    await s.bus.transfer(0x08, [0x3e, addr & 0xff, addr >> 8, ...data], 0)
    await s.bus.transfer(0x08, [0x60, 255 - (sum & 0xff), data.length + 4], 0)
    await s.bus.transfer(0x08, [0x3e, 0x92, 0x00], 0)
}

async function dmU(s: Setup, addr: number, n: number): Promise<number> {
    const d = await bq76907ReadDataMemory(s.drv, addr, n)
    return n === 2 ? d[0] + 256 * d[1] : d[0]
}

/** armed(4 cells), its driver on a PausingBus: the temperature protections add a dozen data-memory writes. */
async function armedPausing(t: TestApi): Promise<Setup> {
    const s = await armed(4, false)
    s.drv = new Bq76907(new PausingBus(s.bus, async () => {
        await t.pause()
    }), bq76907Defaults(4))
    return s
}

export const bq76907DriverProtectionSpec: Spec = (t: TestApi) => {
    t.describe("BQ76907 driver: protections and FETs", () => {
        t.test("configure hands the FETs to the chip (autonomous, host turn-off allowed); fetState follows", async () => {
            const s = setup(4, false)
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: false, dsg: false }), "blank part: FETs off")
            await s.drv.configure()
            await t.pause()
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: true }), "on after configure")
            assertEq(await dmU(s, 0x901e, 1), 0x18 | 0x04 | 0x40, "FET Options: FET_EN | HOST_FETOFF_EN kept with the defaults")
            assertTrue(s.emu.chgOn() && s.emu.dsgOn(), "the chip agrees")
        })

        t.test("armProtections rounds to the chip's steps toward safety and writes the registers; verify finds them", async () => {
            const s = await armed(4, false)
            await t.pause()
            const a = await s.drv.armProtections(sampleConfig())
            await t.pause()
            assertEq(a.cov_mV, 4250, "COV in 1 mV steps")
            assertEq(a.cuv_mV, 2501, "CUV rounded up (toward safety)")
            assertNear(a.covDelay_ms, 68 * SCAN4_MS, 1e-9, "COV delay: 68 ADSCANs, not longer than 1 s")
            assertNear(a.cuvDelay_ms, 34 * SCAN4_MS, 1e-9, "CUV delay: 34 ADSCANs")
            assertEq(a.occ_mA, 6000, "OCC: 6.25 mV -> 6 mV (2 mV steps), 6 A on 1 mOhm")
            assertNear(a.occDelay_ms, 498.675 + 51 * 9.76, 1e-9, "OCC delay code 244")
            assertEq(a.ocd_mA, 24000, "OCD1: 25 mV -> 24 mV")
            assertNear(a.ocdDelay_ms, 22.875 + 31 * 2.44, 1e-9, "OCD1 delay code 96 (98.5 ms)")
            assertEq(a.scd_mA, 40000, "SCD: 45 mV -> the 40 mV setting")
            assertEq(a.scdDelay_us, 244, "SCD delay: 244 us (code 5)")
            // the registers, read here as raw codes
            assertEq(await dmU(s, 0x9032, 2), 4250, "COV threshold")
            assertEq(await dmU(s, 0x9034, 1), 68, "COV delay")
            assertEq(await dmU(s, 0x902e, 2), 2501, "CUV threshold")
            assertEq(await dmU(s, 0x9030, 1), 34, "CUV delay")
            assertEq(await dmU(s, 0x9036, 1), 3, "OCC threshold code")
            assertEq(await dmU(s, 0x9037, 1), 244, "OCC delay code")
            assertEq(await dmU(s, 0x9038, 1), 12, "OCD1 threshold code")
            assertEq(await dmU(s, 0x9039, 1), 96, "OCD1 delay code")
            assertEq(await dmU(s, 0x903c, 1), 2, "SCD threshold code")
            assertEq(await dmU(s, 0x903d, 1), 5, "SCD delay code")
            assertEq(await dmU(s, 0x9024, 1), 0xa1 | 0xf4, "Enabled Protections A: the five added to the defaults")
            assertEq((await dmU(s, 0x9027, 1)) & 0xe0, 0xa0, "CHG FET Protections A: COV and OCC (not SCD)")
            assertEq((await dmU(s, 0x9026, 1)) & 0xe0, 0xe0, "DSG FET Protections A: CUV, SCD, OCD1")
            assertEq(JSON.stringify(await s.drv.verifyProtections(a)), "[]", "verify: all match")
            assertTrue(s.emu.chgOn() && s.emu.dsgOn(), "FETs back on after CONFIG_UPDATE")
        })

        t.test("rounding never loosens a setting; past the chip's range the tightest setting is armed and shown", async () => {
            const s = await armed(5, false)
            await t.pause()
            for (let k = 0; k < 6; k++) {
                const p: AfeProtectionConfig = {
                    cov_mV: 3600 + 137.3 * k, covDelay_ms: 50 + 333.3 * k,
                    cuv_mV: 2000 + 91.7 * k, cuvDelay_ms: 20 + 777.7 * k,
                    occ_mA: 4100 + 9876 * k, occDelay_ms: 0.5 + 211.1 * k,
                    ocd_mA: 4100 + 31234 * k, ocdDelay_ms: 1 + 187.3 * k,
                    scd_mA: 10500 + 87654 * k, scdDelay_us: 16 + 1543 * k,
                }
                const a = await s.drv.armProtections(p)
                await t.pause()
                const at = " (set " + k + ")"
                assertTrue(a.cov_mV <= p.cov_mV && a.cov_mV > p.cov_mV - 1, "COV not above the request" + at)
                assertTrue(a.cuv_mV >= p.cuv_mV && a.cuv_mV < p.cuv_mV + 1, "CUV not below" + at)
                assertTrue(a.covDelay_ms <= p.covDelay_ms && a.cuvDelay_ms <= p.cuvDelay_ms, "voltage delays not longer" + at)
                assertTrue(a.occ_mA <= p.occ_mA && a.ocd_mA <= p.ocd_mA && a.scd_mA <= p.scd_mA, "currents not above" + at)
                assertTrue(a.occDelay_ms <= p.occDelay_ms && a.ocdDelay_ms <= p.ocdDelay_ms && a.scdDelay_us <= p.scdDelay_us, "current delays not longer" + at)
                assertTrue(p.occ_mA - a.occ_mA < 2000 || a.occ_mA === 124000, "OCC within one 2 mV step" + at)
                assertEq(JSON.stringify(await s.drv.verifyProtections(a)), "[]", "verify" + at)
                await t.pause()
            }
            // beyond the loose end: clamped tighter; beyond the tight end: the tightest, reported as armed
            const a = await s.drv.armProtections({
                cov_mV: 9000, covDelay_ms: 60000, cuv_mV: 1000, cuvDelay_ms: 1,
                occ_mA: 1000, occDelay_ms: 5000, ocd_mA: 500000, ocdDelay_ms: 0.1, scd_mA: 5000, scdDelay_us: 100000,
            })
            assertEq(a.cov_mV, 5500, "COV clamped to 5.5 V")
            assertEq(a.occ_mA, 4000, "OCC below 4 mV: the tightest (4 A), looser than asked and visible")
            assertEq(a.ocd_mA, 200000, "OCD1 clamped to 200 mV")
            assertEq(a.scd_mA, 10000, "SCD below 10 mV: the tightest setting")
            assertNear(a.covDelay_ms, 255 * ((6 * 768) / 262.144), 1e-9, "COV delay clamped to 255 ADSCANs")
            assertNear(a.cuvDelay_ms, (6 * 768) / 262.144, 1e-9, "CUV delay at least one ADSCAN")
            assertNear(a.occDelay_ms, 1103.795, 1e-9, "OCC delay clamped to code 255")
            assertNear(a.ocdDelay_ms, 0.46, 1e-9, "OCD1 delay: the fastest")
            assertEq(a.scdDelay_us, 7797, "SCD delay clamped to code 10")
        })

        t.test("verify reports each register changed behind the driver's back, in words", async () => {
            const s = await armed(4, false)
            await t.pause()
            const a = await s.drv.armProtections(sampleConfig())
            await t.pause()
            await sneakWrite(s, 0x9032, [0x10, 0x11]) // COV 4368 mV
            await sneakWrite(s, 0x9024, [0xa1]) // Enabled Protections A back to its default
            await sneakWrite(s, 0x903d, [0x09]) // SCD delay 3906 us
            const wrong = await s.drv.verifyProtections(a)
            await t.pause()
            assertEq(wrong.length, 3, "three lines: " + wrong.join(" | "))
            assertEq(wrong[0], "COV threshold reads 4368 mV, armed 4250 mV", "the threshold, in mV")
            assertEq(wrong[1], "SCD delay reads 3906 us, armed 244 us", "the delay, in us")
            assertEq(wrong[2], "Enabled Protections A reads 0xa1, armed with 0xf4 set", "the enable bits")
            // a changed cell count changes the ADSCAN, so the COV/CUV delays no longer mean what was armed
            const b = await s.drv.armProtections(sampleConfig())
            await t.pause()
            await sneakWrite(s, 0x901b, [0x05])
            const w2 = await s.drv.verifyProtections(b)
            await t.pause()
            assertEq(w2.length, 1, "one line: " + w2.join(" | "))
            assertTrue(w2[0].indexOf("Vcell Mode reads 5, configured 4") === 0, w2[0])
        })

        t.test("readSafety and fetState: an overcurrent in discharge trips OCD, DSG opens, CHG stays", async () => {
            const s = await armed(4, false)
            await t.pause()
            await s.drv.armProtections(sampleConfig())
            await t.pause()
            s.emu.setInputs(volts(4, 3.7), 30, 25, 25) // 30 A > 24 A for longer than 98.5 ms
            s.emu.step(0.05)
            let f = await bq76907Safety(s.drv)
            assertTrue(!f.ocd && f.alertBits === 0x10 && f.statusBits === 0, "alert only at 50 ms: " + JSON.stringify(f))
            s.emu.step(0.05)
            f = await bq76907Safety(s.drv)
            assertTrue(f.ocd && !f.cov && !f.cuv && !f.occ && !f.scd, "OCD tripped: " + JSON.stringify(f))
            assertEq(f.statusBits, 0x10, "Safety Status A = OCD1")
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: false }), "DSG off")
            const r = await s.drv.read()
            assertEq(r.safetyStatusA, 0x10, "read() carries it too")
        })

        t.test("setFets holds FETs off on request, cannot hold a protection's FET on, and restores autonomous control", async () => {
            const s = await armed(4, false)
            await t.pause()
            await s.drv.armProtections(sampleConfig())
            await t.pause()
            await s.drv.setFets(false, true)
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: false, dsg: true }), "CHG held off")
            await s.drv.setFets(true, false)
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: false }), "DSG held off")
            await s.drv.setFets(true, true)
            await t.pause()
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: true }), "both on")
            // a cell below CUV for 34 ADSCANs: the chip opens DSG, and the host cannot close it
            s.emu.setInputs([3.7, 2.4, 3.7, 3.7], 0, 25, 25)
            s.emu.step(0.6)
            assertTrue((await bq76907Safety(s.drv)).cuv, "CUV tripped")
            await s.drv.setFets(true, true)
            await t.pause()
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: false }), "DSG stays off")
            // someone toggled autonomous control off: setFets turns it back on
            const t2 = await armed(4, false)
            await t.pause()
            await t2.bus.transfer(0x08, [0x3e, 0x22, 0x00], 0)
            assertEq(JSON.stringify(await bq76907FetState(t2.drv)), JSON.stringify({ chg: false, dsg: false }), "FET_EN cleared behind our back")
            await t2.drv.setFets(true, true)
            await t.pause()
            assertEq(JSON.stringify(await bq76907FetState(t2.drv)), JSON.stringify({ chg: true, dsg: true }), "back on")
        })

        t.test("temperature protections: armed only when asked, rounded toward safety, written and verified", async () => {
            const s = await armedPausing(t)
            const plain = await s.drv.armProtections(sampleConfig())
            await t.pause()
            assertTrue(plain.otc_C === undefined && plain.tempDelay_s === undefined, "none asked, none armed")
            assertEq(await dmU(s, 0x9025, 1), 0, "Enabled Protections B untouched")
            const p = sampleConfig()
            p.otc_C = 55
            p.otd_C = 60
            p.utc_C = 0
            p.utd_C = -20
            p.tempDelay_s = 1
            const a = await s.drv.armProtections(p)
            await t.pause()
            // TS counts = 19660.8 R / (R + 20k), 10k B3435 NTC; OT steps of 54 counts, UT of 77
            assertEq(await dmU(s, 0x9040, 1), 55, "OTC: 55 °C = 2919.6 counts -> 55 steps (2970, cooler)")
            assertEq(await dmU(s, 0x9042, 1), 60, "OTC recovery 5 steps cooler")
            assertEq(await dmU(s, 0x9043, 1), 48, "OTD: 60 °C = 2550.2 counts -> 48 steps")
            assertEq(await dmU(s, 0x9049, 1), 150, "UTC: 0 °C = 11587.3 counts -> 150 steps (warmer)")
            assertEq(await dmU(s, 0x904b, 1), 145, "UTC recovery 5 steps warmer")
            assertEq(await dmU(s, 0x904c, 1), 202, "UTD: -20 °C = 15628.7 counts -> 202 steps")
            for (const d of [0x9041, 0x9044, 0x904a, 0x904d]) assertEq(await dmU(s, d, 1), 13, "delay: 13 FULLSCANs of 73.24 ms, not over 1 s")
            assertNear(a.tempDelay_s as number, 13 * 5 * SCAN4_MS / 1000, 1e-9, "armed delay")
            assertNear(a.otc_C as number, 54.37, 0.01, "OTC armed at 54.37 °C (not above 55)")
            assertNear(a.otd_C as number, 59.40, 0.01, "OTD armed at 59.40 °C")
            assertNear(a.utc_C as number, 0.17, 0.01, "UTC armed at 0.17 °C (not below 0)")
            assertTrue((a.utd_C as number) >= -20 && (a.utd_C as number) < -19.5, "UTD not below -20 °C: " + a.utd_C)
            assertEq(await dmU(s, 0x9025, 1), 0x3c, "Enabled Protections B: OTD, OTC, UTD, UTC")
            assertEq((await dmU(s, 0x9027, 1)) & 0x06, 0x06, "CHG FET Protections A: OTC, UTC")
            assertEq((await dmU(s, 0x9026, 1)) & 0x06, 0x06, "DSG FET Protections A: OTD, UTD")
            assertEq(JSON.stringify(await s.drv.verifyProtections(a)), "[]", "verify: all match")
            // rounding never loosens: OT armed at or below the request, UT at or above
            for (let k = 0; k < 5; k++) {
                const q = sampleConfig()
                q.otc_C = 35.3 + 7.1 * k
                q.otd_C = 41.7 + 9.3 * k
                q.utc_C = -9.9 + 3.3 * k
                q.utd_C = -31.1 + 4.4 * k
                const b = await s.drv.armProtections(q)
                await t.pause()
                const at = " (set " + k + ")"
                assertTrue((b.otc_C as number) <= q.otc_C && (b.otd_C as number) <= q.otd_C, "OT not above" + at)
                assertTrue((b.utc_C as number) >= q.utc_C && (b.utd_C as number) >= q.utd_C, "UT not below" + at)
                assertTrue(q.otc_C - (b.otc_C as number) < 1.5 && (b.utc_C as number) - q.utc_C < 1.5, "within a step" + at)
                assertNear(b.tempDelay_s as number, (15 * 5 * SCAN4_MS) / 1000, 1e-9, "default delay: 15 measurements" + at)
                assertEq(JSON.stringify(await s.drv.verifyProtections(b)), "[]", "verify" + at)
                await t.pause()
            }
        })

        t.test("verify reports a temperature register or enable bit changed behind the driver's back", async () => {
            const s = await armedPausing(t)
            const p = sampleConfig()
            p.otc_C = 55
            p.utd_C = -20
            const a = await s.drv.armProtections(p)
            await t.pause()
            await sneakWrite(s, 0x9040, [48]) // OTC threshold 59.4 °C
            await sneakWrite(s, 0x9025, [0x08]) // only UTD left enabled
            const w = await s.drv.verifyProtections(a)
            await t.pause()
            assertEq(w.length, 2, "two lines: " + w.join(" | "))
            assertEq(w[0], "OTC threshold reads 59.4 °C, armed 54.37 °C", "the threshold, in °C")
            assertEq(w[1], "Enabled Protections B reads 0x08, armed with 0x18 set", "the enable bits")
        })

        t.test("temperature trips through the driver: OTC after its delay (CHG off), UTC and UTD (both off), recovery", async () => {
            const s = await armedPausing(t)
            const p = sampleConfig()
            p.otc_C = 55
            p.utc_C = 0
            p.utd_C = -20
            p.tempDelay_s = 1 // 13 measurements
            await s.drv.armProtections(p)
            await t.pause()
            const v = volts(4, 3.7)
            s.emu.setInputs(v, 0, 25, 60)
            s.emu.step(0.9) // 61 ADSCANs: 12 TS measurements
            let f = await bq76907Safety(s.drv)
            assertTrue(!f.otc && f.alertBits === 0x4000 && f.statusBits === 0, "0.9 s: OTC alert only: " + JSON.stringify(f))
            s.emu.step(0.1)
            f = await bq76907Safety(s.drv)
            assertTrue(f.otc && !f.otd && !f.utc && !f.utd && !f.cov, "OTC tripped: " + JSON.stringify(f))
            assertEq(f.statusBits, 0x4000, "Safety Status B = OTC")
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: false, dsg: true }), "CHG off")
            const r = await s.drv.read()
            assertEq(r.safetyStatusB, 0x40, "read() carries it too")
            s.emu.setInputs(v, 0, 25, 25)
            s.emu.step(0.1)
            f = await bq76907Safety(s.drv)
            assertTrue(!f.otc && f.statusBits === 0, "recovered at 25 °C")
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: true }), "both on")
            // OTD not armed: heat above any OTD setting trips nothing else
            s.emu.setInputs(v, 0, 25, -25)
            s.emu.step(1.1)
            f = await bq76907Safety(s.drv)
            assertTrue(f.utc && f.utd && !f.otc && !f.otd, "cold: UTC and UTD: " + JSON.stringify(f))
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: false, dsg: false }), "both off")
            s.emu.setInputs(v, 0, 25, 25)
            s.emu.step(0.1)
            f = await bq76907Safety(s.drv)
            assertTrue(!f.utc && !f.utd, "recovered")
        })

        t.test("with CRC on: arm, verify and an SCD within its microseconds at a 0.1 ms step", async () => {
            const s = setup(4, true)
            const c = bq76907Defaults(4)
            c.crc = true
            s.drv = new Bq76907(new PausingBus(s.bus, async () => {
                await t.pause()
            }), c)
            await s.drv.configure()
            const a = await s.drv.armProtections(sampleConfig())
            await t.pause()
            assertEq(JSON.stringify(await s.drv.verifyProtections(a)), "[]", "verify through CRC framing")
            s.emu.setInputs(volts(4, 3.7), 5, 25, 25)
            s.emu.step(0.01)
            const t0 = 0.01 // emulated time so far
            s.emu.setInputs(volts(4, 3.7), 80, 25, 25) // 80 mV across the shunt, SCD at 40 mV after 244 us
            s.emu.step(0.0001)
            s.emu.step(0.0001)
            assertTrue(!(await bq76907Safety(s.drv)).scd, "not at 200 us")
            s.emu.step(0.0001)
            const f = await bq76907Safety(s.drv)
            assertTrue(f.scd, "SCD at 300 us")
            assertNear(s.emu.lastTripTime_s() - t0, 0.000244, 1e-9, "244 us after the short")
            assertEq(JSON.stringify(await bq76907FetState(s.drv)), JSON.stringify({ chg: true, dsg: false }), "DSG off, CHG on")
        })
    })
}
