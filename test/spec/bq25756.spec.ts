// Shared spec (VM + Node): the BQ25756 charger driver (src/drivers/bq25756.ts) against its register-level emulator
// (sim/emulators/bq25756.ts) on an EmulatedBus. Register codes are worked out by hand in the comments from
// docs/bq25756-facts.md (datasheet SLUSEN5), not taken from either implementation:
//   VFB_REG 00h: 1504 mV + 2 mV * code; Vbat = nominal * VFB / 1536 mV
//   ICHG 02h, IPRECHG 10h, ITERM 12h: code << 2, 50 mA; IAC_DPM 06h: code << 2, 0.25 mV / RAC_SNS; VAC_DPM 08h: code << 2, 20 mV
//   16-bit registers little-endian: low byte at the address
import { EmulatedBus } from "../../sim/emulators/emulated_bus"
import { Bq25756Emulator } from "../../sim/emulators/bq25756"
import {
    BQ25756_FAULT,
    Bq25756,
    Bq25756Settings,
    bq25756Configure,
    bq25756KickWatchdog,
    bq25756Probe,
    bq25756ReadAdc,
    bq25756ReadStatus,
    bq25756SetChargeCurrent_mA,
    bq25756SetChargeEnabled,
    bq25756SetInputLimits,
    bq25756Faults,
    bq25756FaultText,
} from "../../src/drivers/bq25756"
import { Spec, TestApi, assertEq, assertNear, assertTrue, catchAsync, errName, errMessage, assertContains } from "../harness/api"

const ADDR = 0x6b

class Rig {
    bus: EmulatedBus
    emu: Bq25756Emulator
    drv: Bq25756
    constructor(acSense_mOhm: number) {
        this.bus = new EmulatedBus()
        this.emu = new Bq25756Emulator(ADDR, 25.2, acSense_mOhm) // 6S divider: 25.2 V at VFB 1536 mV
        this.bus.attach(this.emu)
        this.drv = new Bq25756(this.bus, ADDR, acSense_mOhm)
    }
    /** A 16-bit register as the emulator holds it (little-endian). */
    reg16(a: number): number {
        return this.emu.regs[a] | (this.emu.regs[a + 1] << 8)
    }
    async readByte(a: number): Promise<number> {
        return (await this.bus.transfer(ADDR, [a], 1))[0]
    }
}

/** 6S pack, 25.0 V, 3 A from a 5 A / 12 V-minimum input. */
function settings(): Bq25756Settings {
    return {
        dividerNominal_mV: 25200,
        chargeVoltage_mV: 25000,
        chargeCurrent_mA: 3000,
        inputCurrent_mA: 5000,
        inputVoltageMin_mV: 12000,
        prechargeCurrent_mA: 300,
        termCurrent_mA: 250,
        chargeEnabled: true,
    }
}

async function configured(): Promise<Rig> {
    const r = new Rig(5)
    await bq25756Probe(r.drv)
    await bq25756Configure(r.drv, settings())
    return r
}

function sameRegs(a: number[], b: number[], what: string): void {
    for (let i = 0; i < a.length; i++) assertEq(b[i], a[i], what + " reg " + i)
}

/** configure() with one field changed; returns the error. */
async function configureError(r: Rig, field: string, value: number): Promise<any> {
    const s: any = settings()
    s[field] = value
    return await catchAsync(async () => {
        await bq25756Configure(r.drv, s)
    })
}

async function expectState(r: Rig, emuState: string, expected: string): Promise<void> {
    r.emu.setState(emuState)
    const s = await bq25756ReadStatus(r.drv)
    assertEq(s.state, expected, "state for " + emuState)
    assertEq(s.faults, 0, "faults for " + emuState)
    assertEq(s.inputPowerGood, true, "power good for " + emuState)
}

export const bq25756Spec: Spec = (t: TestApi) => {
    t.describe("bq25756 charger driver (BQ25756)", () => {
        t.test("probe accepts PART_NUM 2 (reg 3Dh reset 0x12)", async () => {
            const r = new Rig(5)
            const e = await catchAsync(async () => {
                await bq25756Probe(r.drv)
            })
            assertEq(errMessage(e), "", "probe error")
        })

        t.test("probe of another part: DeviceError naming the address and what answered", async () => {
            const r = new Rig(5)
            r.emu.regs[0x3d] = 0x0a // PART_NUM 1, DEV_REV 2
            const e = await catchAsync(async () => {
                await bq25756Probe(r.drv)
            })
            assertEq(errName(e), "DeviceError", "error type")
            const m = errMessage(e)
            assertContains(m, "0x6b", "names the address")
            assertContains(m, "0x0a", "says what was read")
            assertContains(m, "PART_NUM 1", "decodes it")
            assertContains(m, "expected 2", "says what was expected")
            // nothing at the address: the bus NACKs
            const bus = new EmulatedBus()
            const e2 = await catchAsync(async () => {
                await bq25756Probe(new Bq25756(bus, ADDR))
            })
            assertEq(errName(e2), "BusError", "empty bus error type")
        })

        t.test("configure writes every register with hand-computed codes, read back from the emulator", async () => {
            const r = await configured()
            // 25000 * 1536 / 25200 = 1523.81 mV -> (1523.81 - 1504) / 2 = 9.9 -> 9 (rounded down: 1522 mV)
            assertEq(r.reg16(0x00), 9, "VFB_REG")
            assertEq(r.reg16(0x02), 0x00f0, "ICHG: 3000 / 50 = 60, << 2 = 240")
            assertEq(r.emu.regs[0x02], 0xf0, "ICHG low byte at 02h (little-endian)")
            assertEq(r.reg16(0x06), 0x0190, "IAC_DPM: 5000 / 50 = 100, << 2 = 400")
            assertEq(r.emu.regs[0x07], 0x01, "IAC_DPM high byte at 07h")
            assertEq(r.reg16(0x08), 0x0960, "VAC_DPM: 12000 / 20 = 600, << 2 = 2400")
            assertEq(r.reg16(0x10), 0x0018, "IPRECHG: 300 / 50 = 6, << 2")
            assertEq(r.reg16(0x12), 0x0014, "ITERM: 250 / 50 = 5, << 2")
            assertEq(r.emu.regs[0x14], 0x0f, "EN_TERM, VBAT_LOWV 11, EN_PRECHG")
            assertEq(r.emu.regs[0x15], 0x1d, "watchdog 40 s")
            assertEq(r.emu.regs[0x17], 0xc1, "VRECHG 11, EN_CHG_BIT_RESET_BEHAVIOR 0, EN_CHG 1")
            assertEq(r.emu.regs[0x2b], 0x80, "ADC on, continuous")
            const g = r.emu.regulation()
            assertEq(g.enabled, true, "charging")
            assertNear(g.chargeVoltage_V, (25.2 * 1522) / 1536, 1e-9, "charge voltage 24.970 V")
            assertNear(g.chargeCurrent_A, 3, 1e-9, "charge current")
            assertNear(g.prechargeCurrent_A, 0.3, 1e-9, "precharge current")
            assertNear(g.inputCurrent_A, 5, 1e-9, "input current")
            assertNear(g.inputVoltageMin_V, 12, 1e-9, "VINDPM")
            assertNear(g.termCurrent_A, 0.25, 1e-9, "termination current")
        })

        t.test("trim range edges: nominal * 1504/1536 and * 1566/1536 accepted, beyond refused", async () => {
            const r = await configured()
            assertEq(errMessage(await configureError(r, "chargeVoltage_mV", 24675)), "", "24675 mV (1504 mV at FB)")
            assertEq(r.reg16(0x00), 0, "code 0")
            assertEq(errMessage(await configureError(r, "chargeVoltage_mV", 25693)), "", "25693 mV (1566.06 mV at FB)")
            assertEq(r.reg16(0x00), 31, "code 31")
            assertEq(errName(await configureError(r, "chargeVoltage_mV", 24660)), "DeviceError", "24660 mV (1503.1 mV)")
            // 4S on the 6S divider: 16800 mV is far outside
            const e = await configureError(r, "chargeVoltage_mV", 16800)
            assertEq(errName(e), "DeviceError", "16.8 V")
            assertContains(errMessage(e), "16800", "names the voltage")
            assertContains(errMessage(e), "25200", "names the divider")
        })

        t.test("a refused charge voltage changes nothing, on a configured and on a fresh chip", async () => {
            const r = await configured()
            const before = r.emu.regs.slice(0)
            const e = await configureError(r, "chargeVoltage_mV", 26000) // 1584.8 mV at FB > 1566
            assertEq(errName(e), "DeviceError", "error type")
            sameRegs(before, r.emu.regs, "configured")
            const f = new Rig(5)
            const fresh = f.emu.regs.slice(0)
            const tx = f.bus.transactions
            await configureError(f, "chargeVoltage_mV", 24000)
            assertEq(f.bus.transactions, tx, "no transaction")
            sameRegs(fresh, f.emu.regs, "fresh")
        })

        t.test("limits: rounded down, clamped high, low refused or clamped up as documented", async () => {
            const r = await configured()
            await bq25756SetChargeCurrent_mA(r.drv, 3049)
            assertEq(r.reg16(0x02), 60 << 2, "3049 mA rounds down to 3000")
            await bq25756SetChargeCurrent_mA(r.drv, 25000)
            assertEq(r.reg16(0x02), 400 << 2, "25 A clamps to 20 A (code 400)")
            const before = r.emu.regs.slice(0)
            let e = await catchAsync(async () => {
                await bq25756SetChargeCurrent_mA(r.drv, 399)
            })
            assertEq(errName(e), "DeviceError", "399 mA refused")
            e = await catchAsync(async () => {
                await bq25756SetInputLimits(r.drv, 300, 12000)
            })
            assertEq(errName(e), "DeviceError", "300 mA input refused")
            assertEq(errName(await configureError(r, "prechargeCurrent_mA", 200)), "DeviceError", "200 mA precharge refused")
            assertEq(errName(await configureError(r, "chargeCurrent_mA", NaN)), "DeviceError", "NaN charge current refused")
            assertEq(errName(await configureError(r, "termCurrent_mA", NaN)), "DeviceError", "NaN termination refused (not clamped)")
            assertEq(errName(await configureError(r, "dividerNominal_mV", 0)), "DeviceError", "zero divider nominal refused")
            sameRegs(before, r.emu.regs, "refusals")
            await bq25756SetInputLimits(r.drv, 30000, 3000)
            assertEq(r.reg16(0x06), 400 << 2, "30 A input clamps to code 400")
            assertEq(r.reg16(0x08), 210 << 2, "3 V VINDPM clamps up to 4.2 V (code 210)")
            await bq25756SetInputLimits(r.drv, 1234, 70000)
            assertEq(r.reg16(0x06), 24 << 2, "1234 mA -> 24 (1200 mA)")
            assertEq(r.reg16(0x08), 3250 << 2, "70 V VINDPM clamps to 65 V (code 3250)")
            assertEq(errMessage(await configureError(r, "termCurrent_mA", 100)), "", "100 mA termination")
            assertEq(r.reg16(0x12), 5 << 2, "termination clamps up to 250 mA")
        })

        t.test("input current scales with RAC_SNS: 2 mOhm gives 125 mA steps", async () => {
            const r = new Rig(2)
            await bq25756Configure(r.drv, settings())
            assertEq(r.reg16(0x06), 40 << 2, "5000 / 125 = 40")
            assertNear(r.emu.regulation().inputCurrent_A, 5, 1e-9, "emulator reads 5 A")
        })

        t.test("setChargeEnabled and a read-back mismatch", async () => {
            const r = await configured()
            await bq25756SetChargeEnabled(r.drv, false)
            assertEq(r.emu.regs[0x17], 0xc0, "EN_CHG cleared")
            assertEq(r.emu.regulation().enabled, false, "not charging")
            r.bus.readHook = (a: number, w: number[], d: number[]) => (w[0] === 0x02 ? [d[0] ^ 4, d[1]] : d)
            const e = await catchAsync(async () => {
                await bq25756SetChargeCurrent_mA(r.drv, 2000)
            })
            assertEq(errName(e), "DeviceError", "garbled read-back")
            assertContains(errMessage(e), "0x02", "names the register")
        })

        t.test("watchdog: not kicked for 40 s, the chip falls back to defaults and stops charging", async () => {
            const r = await configured()
            r.emu.step(39)
            assertEq((await bq25756ReadStatus(r.drv)).faults, 0, "39 s: no fault")
            r.emu.step(2)
            const s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, BQ25756_FAULT.WATCHDOG, "41 s: watchdog")
            assertEq(s.state, "off", "state")
            assertEq(r.reg16(0x02), 0x0640, "ICHG back to 20 A")
            assertEq(r.emu.regs[0x17] & 1, 0, "EN_CHG reset to 0 (EN_CHG_BIT_RESET_BEHAVIOR 0)")
            assertEq(r.emu.regs[0x2b] & 0x80, 0, "ADC_EN reset")
            assertEq(r.reg16(0x00), 9, "VFB_REG is not reset by the watchdog")
            assertEq(r.reg16(0x06), 0x0190, "IAC_DPM is not reset by the watchdog")
            assertEq(r.emu.regulation().enabled, false, "not charging")
            assertEq(await r.readByte(0x25), 0x08, "WD_FLAG")
            assertEq(await r.readByte(0x25), 0x00, "WD_FLAG cleared by the read")
            const e = await catchAsync(async () => {
                await bq25756KickWatchdog(r.drv)
            })
            assertEq(errName(e), "DeviceError", "kick after expiry")
            assertContains(errMessage(e), "configure again", "message")
            assertEq((await bq25756ReadStatus(r.drv)).faults, BQ25756_FAULT.WATCHDOG, "the kick did not hide the expiry")
            await bq25756Configure(r.drv, settings())
            assertEq((await bq25756ReadStatus(r.drv)).faults, 0, "host mode again")
            assertEq(r.reg16(0x02), 0x00f0, "ICHG restored")
        })

        t.test("watchdog: kicked every 30 s it never expires", async () => {
            const r = await configured()
            for (let i = 0; i < 10; i++) {
                r.emu.step(30)
                await bq25756KickWatchdog(r.drv)
            }
            assertEq((await bq25756ReadStatus(r.drv)).faults, 0, "300 s: no fault")
            assertEq(r.emu.regs[0x17], 0xc1, "WD_RST reads back 0, EN_CHG kept")
            assertEq(r.reg16(0x02), 0x00f0, "ICHG kept")
            assertEq(r.emu.regulation().enabled, true, "charging")
        })

        t.test("status: each CHARGE_STAT decodes", async () => {
            const r = await configured()
            await expectState(r, "off", "off")
            await expectState(r, "trickle", "precharge")
            await expectState(r, "precharge", "precharge")
            await expectState(r, "cc", "cc")
            await expectState(r, "cv", "cv")
            await expectState(r, "topoff", "topoff")
            await expectState(r, "done", "done")
            assertEq((await r.readByte(0x25)) & 1, 1, "CHARGE_FLAG")
        })

        t.test("status: each fault decodes and stops charging", async () => {
            const r = await configured()
            r.emu.setState("cc")
            r.emu.setInputOverVoltage(true)
            let s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, BQ25756_FAULT.INPUT_OV, "input OV")
            assertEq(s.state, "fault", "input OV state")
            assertEq(s.inputPowerGood, false, "input OV: not power good")
            assertEq(r.emu.regulation().enabled, false, "input OV stops charging")
            assertEq(await r.readByte(0x27), 0x40, "VAC_OV_FLAG")
            assertEq(await r.readByte(0x27), 0x00, "fault flag cleared by the read")
            r.emu.setInputOverVoltage(false)
            r.emu.setThermalShutdown(true)
            s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, BQ25756_FAULT.THERMAL_SHUTDOWN, "TSHUT")
            assertEq(s.state, "fault", "TSHUT state")
            r.emu.setThermalShutdown(false)
            r.emu.setBatteryOverVoltage(true)
            assertEq((await bq25756ReadStatus(r.drv)).faults, BQ25756_FAULT.BATTERY_OV, "battery OV")
            r.emu.setBatteryOverVoltage(false)
            r.emu.setTsCold(true)
            s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, BQ25756_FAULT.TS_COLD, "TS cold")
            assertEq(s.state, "fault", "TS cold state")
            assertEq(r.emu.regulation().enabled, false, "TS cold stops charging")
            r.emu.setTsCold(false)
            r.emu.setTsHot(true)
            assertEq((await bq25756ReadStatus(r.drv)).faults, BQ25756_FAULT.TS_HOT, "TS hot")
            r.emu.setTsHot(false)
            s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, 0, "all cleared")
            assertEq(s.state, "cc", "back to CC")
            assertEq(r.emu.regulation().enabled, true, "charging again")
        })

        t.test("faults alone (one read) and in words, several at once", async () => {
            const r = await configured()
            r.emu.setState("cc")
            assertEq(await bq25756Faults(r.drv), 0, "none")
            r.emu.setInputOverVoltage(true)
            r.emu.setTsHot(true)
            const f = await bq25756Faults(r.drv)
            assertEq(f, BQ25756_FAULT.INPUT_OV | BQ25756_FAULT.TS_HOT, "input OV and TS hot")
            assertEq(bq25756FaultText(f), "input over-voltage, its thermistor reads too hot", "in words, in bit order")
            assertEq(bq25756FaultText(BQ25756_FAULT.THERMAL_SHUTDOWN | BQ25756_FAULT.BATTERY_OC), "thermal shutdown, battery over-current", "two more")
            assertEq(bq25756FaultText(0), "", "none: empty")
        })

        t.test("status: no input is power-not-good and INPUT_UV, not a fault state", async () => {
            const r = await configured()
            r.emu.measure({ vbus_V: 0, ibus_A: 0, vbat_V: 24, ibat_A: 0, dieTemp_C: 30, ts_pct: 50 })
            const s = await bq25756ReadStatus(r.drv)
            assertEq(s.faults, BQ25756_FAULT.INPUT_UV, "input UV")
            assertEq(s.inputPowerGood, false, "not power good")
            assertEq(s.state, "off", "state")
            // die temperature drives TSHUT: on at 150 C, off below 135 C
            r.emu.measure({ vbus_V: 20, ibus_A: 0, vbat_V: 24, ibat_A: 0, dieTemp_C: 151, ts_pct: 50 })
            assertEq((await bq25756ReadStatus(r.drv)).faults, BQ25756_FAULT.THERMAL_SHUTDOWN, "151 C")
            r.emu.measure({ vbus_V: 20, ibus_A: 0, vbat_V: 24, ibat_A: 0, dieTemp_C: 140, ts_pct: 50 })
            assertEq((await bq25756ReadStatus(r.drv)).faults, BQ25756_FAULT.THERMAL_SHUTDOWN, "140 C: hysteresis")
            r.emu.measure({ vbus_V: 20, ibus_A: 0, vbat_V: 24, ibat_A: 0, dieTemp_C: 130, ts_pct: 50 })
            assertEq((await bq25756ReadStatus(r.drv)).faults, 0, "130 C")
        })

        t.test("ADC: exact codes and scaling", async () => {
            const r = await configured()
            r.emu.measure({ vbus_V: 20, ibus_A: 1.5, vbat_V: 24, ibat_A: 3, dieTemp_C: 40, ts_pct: 50 })
            // VAC 20 V / 2 mV = 10000 = 0x2710; IAC 1.5 A * 5 mOhm = 7.5 mV / 4 uV = 1875 = 0x0753
            assertEq(r.reg16(0x31), 10000, "VAC code")
            assertEq(r.emu.regs[0x31], 0x10, "VAC low byte first")
            assertEq(r.reg16(0x2d), 1875, "IAC code")
            assertEq(r.reg16(0x2f), 1500, "IBAT code: 3 A / 2 mA")
            assertEq(r.reg16(0x33), 12000, "VBAT code: 24 V / 2 mV")
            assertEq(r.reg16(0x37), 512, "TS code: 50 % * 1024 / 100")
            let a = await bq25756ReadAdc(r.drv)
            assertEq(a.vbus_mV, 20000, "vbus")
            assertEq(a.ibus_mA, 1500, "ibus: 1875 * 0.8 mA")
            assertEq(a.vbat_mV, 24000, "vbat")
            assertEq(a.ibat_mA, 3000, "ibat")
            assertEq(a.ts_pct, 50, "ts")
            assertTrue(isNaN(a.dieTemp_C), "dieTemp is NaN (no such channel)")
            // negative currents: two's complement; IBAT -2.5 A = -1250 = 0xFB1E, IAC -0.4 A = -500 = 0xFE0C
            r.emu.measure({ vbus_V: 20, ibus_A: -0.4, vbat_V: 24, ibat_A: -2.5, dieTemp_C: 40, ts_pct: 0.1 })
            assertEq(r.reg16(0x2f), 0xfb1e, "IBAT code")
            assertEq(r.reg16(0x2d), 0xfe0c, "IAC code")
            a = await bq25756ReadAdc(r.drv)
            assertEq(a.ibat_mA, -2500, "ibat negative")
            assertEq(a.ibus_mA, -400, "ibus negative")
            assertNear(a.ts_pct, 100 / 1024, 1e-12, "ts one LSB")
            // clamped at the datasheet ranges: IBAT +-10000 codes (20 A)
            r.emu.measure({ vbus_V: 20, ibus_A: 0, vbat_V: 24, ibat_A: 25, dieTemp_C: 40, ts_pct: 50 })
            assertEq((await bq25756ReadAdc(r.drv)).ibat_mA, 20000, "ibat clamps at 20 A")
        })

        t.test("ADC: off before configure, 2 mOhm input sense scaling", async () => {
            const f = new Rig(5)
            f.emu.measure({ vbus_V: 20, ibus_A: 1, vbat_V: 24, ibat_A: 1, dieTemp_C: 40, ts_pct: 50 })
            assertEq(f.reg16(0x31), 0, "ADC_EN is 0 at reset: nothing converted")
            const r = new Rig(2)
            await bq25756Configure(r.drv, settings())
            r.emu.measure({ vbus_V: 20, ibus_A: 10, vbat_V: 24, ibat_A: 1, dieTemp_C: 40, ts_pct: 50 })
            // 10 A * 2 mOhm = 20 mV / 4 uV = 5000 codes; 5000 * 4 / 2 = 10000 mA
            assertEq(r.reg16(0x2d), 5000, "IAC code")
            assertEq((await bq25756ReadAdc(r.drv)).ibus_mA, 10000, "ibus")
        })
    })
}
