// The production BQ76907 driver against the register-level emulator (written independently from the
// same facts page, docs/bq76907-facts.md), plus small fakes for the failure paths.
import { EmulatedBus, I2cDevice } from "../../sim/emulators/emulated_bus"
import { Bq76907Emulator } from "../../sim/emulators/bq76907"
import { BusError, DeviceError } from "../../src/drivers/bus"
import { Bq76907, bq76907Defaults, crc8 } from "../../src/drivers/bq76907"
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
            const mode = await s.drv.readDataMemory(0x901b, 1)
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
            await s.drv.resetPassq()
            s.emu.setErrors({ currentNoise_A: 0 })
            s.emu.setInputs(volts(4, 3.7), 3, 25, 25)
            for (let k = 0; k < 60; k++) {
                s.emu.step(60)
                if (k % 10 === 9) await t.pause()
            }
            const q = await s.drv.readPassq()
            assertNear(q.charge_C, 3 * 3600, 3 * 3600 * 0.001, "3 A for an hour, discharge positive")
            assertNear(q.time_s, 3600, 0.5, "PASSTIME")
        })

        t.test("PASSQ carries the sensor's offset and gain (the estimator has to calibrate them out)", async () => {
            const s = setup(4, false)
            await s.drv.configure()
            await s.drv.resetPassq()
            // 20 mA offset in the chip's sign (charge positive), 1 % gain.
            s.emu.setErrors({ currentNoise_A: 0, currentOffset_A: 0.02, currentGain: 1.01 })
            s.emu.setInputs(volts(4, 3.7), 2, 25, 25)
            for (let k = 0; k < 10; k++) s.emu.step(360)
            const q = await s.drv.readPassq()
            // Measured (chip sign) = 1.01 * (-2) + 0.02 = -2.0 A -> discharge-positive 2.0 A for an hour.
            assertNear(q.charge_C, 2.0 * 3600, 2, "charge with the errors in")
        })

        t.test("with CRC on, reads and writes still work, and a garbled byte is caught", async () => {
            const s = setup(4, true)
            await s.drv.probe()
            await s.drv.configure()
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
                await new Bq76907(garble, c).readBytes(0x14, 2)
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
            assertNear(s.drv.tsToCelsius(6554), 25, 0.1, "25 °C")
            assertNear(s.drv.tsToCelsius(11587), 0, 0.1, "0 °C")
            assertNear(s.drv.tsToCelsius(3835), 45, 0.1, "45 °C")
            assertTrue(!(s.drv.tsToCelsius(0) === s.drv.tsToCelsius(0)), "an open thermistor is NaN, not a number")
        })
    })
}
