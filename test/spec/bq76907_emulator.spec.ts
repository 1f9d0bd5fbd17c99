// Shared spec (VM + Node) for the BQ76907 register-level emulator. The emulator is driven as a driver would drive
// the chip (I2C transactions on an EmulatedBus) plus the plant side (setInputs / step / setErrors). Expected numbers
// are worked out by hand from docs/bq76907-facts.md, and the CRC, checksum and LE helpers here are written
// independently of the emulator's.
import { EmulatedBus } from "../../sim/emulators/emulated_bus"
import { Bq76907Emulator } from "../../sim/emulators/bq76907"
import { Spec, TestApi, assertEq, assertNear, assertTrue, catchAsync } from "../harness/api"

const ADDR = 0x08
const R_SHUNT = 0.001 // 1 mOhm, the reference design
const SLOT_S = 768 / 262144 // 2.9296875 ms: one ADC slot and one CC2 conversion
const ADSCAN7_S = 8 * SLOT_S // Vcell Mode 0 (7 cells) + shared slot: 23.4375 ms
const ADSCAN4_S = 5 * SLOT_S // Vcell Mode 4: 14.6484375 ms

// commands (written out here, independent of the emulator's constants)
const SAFETY_ALERT_A = 0x02
const BATTERY_STATUS = 0x12
const CELL1 = 0x14
const STACK = 0x26
const INT_TEMP = 0x28
const TS_MEAS = 0x2a
const CC2 = 0x3a
const CC1 = 0x3c
const SUBCMD = 0x3e
const BUF = 0x40
const CHECKSUM = 0x60
const LENGTH = 0x61

const DEVICE_NUMBER = 0x0001
const FW_VERSION = 0x0002
const PASSQ = 0x0004
const RESET_PASSQ = 0x0005
const RESET = 0x0012
const FET_ENABLE = 0x0022
const SET_CFGUPDATE = 0x0090
const EXIT_CFGUPDATE = 0x0092
const DM_ENABLED_PROT_A = 0x9024
const DM_VCELL_MODE = 0x901b
const DM_ALARM_MASK = 0x901c

const TWO_32 = 4294967296

class Rig {
    bus: EmulatedBus
    emu: Bq76907Emulator
    constructor(cells: number, crc: boolean, delay_s: number, seed: number) {
        this.bus = new EmulatedBus()
        this.emu = new Bq76907Emulator(ADDR, cells, R_SHUNT, { seed: seed, crc: crc, subcommandDelay_s: delay_s })
        this.bus.attach(this.emu)
    }
}

/** A rig with every sensor error off, so readings are exact quantisations of the inputs. */
function quietRig(cells: number): Rig {
    const r = new Rig(cells, false, 0, 1)
    r.emu.setErrors({ currentOffset_A: 0, currentGain: 1, currentNoise_A: 0, cellNoise_V: 0, cellOffset_V: [], tempNoise_C: 0 })
    return r
}

function leUnsigned(bytes: number[]): number {
    let v = 0
    for (let i = bytes.length - 1; i >= 0; i--) v = v * 256 + (bytes[i] & 0xff)
    return v
}

function s16(v: number): number {
    return v >= 0x8000 ? v - 0x10000 : v
}

async function rd(r: Rig, cmd: number, n: number): Promise<number[]> {
    const b = await r.bus.transfer(ADDR, [cmd], n)
    assertEq(b.length, n, "read length at " + cmd)
    return b
}

async function rdU16(r: Rig, cmd: number): Promise<number> {
    return leUnsigned(await rd(r, cmd, 2))
}

async function rdI16(r: Rig, cmd: number): Promise<number> {
    return s16(await rdU16(r, cmd))
}

function checksumOf(id: number, data: number[]): number {
    let sum = (id & 0xff) + (id >> 8)
    for (const b of data) sum += b
    return 255 - (sum & 0xff)
}

function crc8(bytes: number[]): number {
    let crc = 0
    for (const b of bytes) {
        crc = crc ^ b
        for (let i = 0; i < 8; i++) crc = (crc & 0x80) !== 0 ? ((crc * 2) ^ 0x07) & 0xff : (crc * 2) & 0xff
    }
    return crc
}

async function sendSub(r: Rig, id: number): Promise<void> {
    await r.bus.transfer(ADDR, [SUBCMD, id & 0xff, id >> 8], 0)
}

class SubResult {
    data: number[] = []
    checksum = 0
    length = 0
}

/** Subcommand read: write the id, poll for the echo, then length, data and checksum. */
async function readSub(r: Rig, id: number): Promise<SubResult> {
    await sendSub(r, id)
    const echo = leUnsigned(await rd(r, SUBCMD, 2))
    assertEq(echo, id, "subcommand echo")
    const res = new SubResult()
    res.length = (await rd(r, LENGTH, 1))[0]
    if (res.length > 4) res.data = await rd(r, BUF, res.length - 4)
    res.checksum = (await rd(r, CHECKSUM, 1))[0]
    return res
}

async function dmWrite(r: Rig, addr: number, data: number[], chk: number, len: number): Promise<void> {
    await r.bus.transfer(ADDR, [SUBCMD, addr & 0xff, addr >> 8, ...data], 0)
    await r.bus.transfer(ADDR, [CHECKSUM, chk, len], 0)
}

async function dmWriteValid(r: Rig, addr: number, data: number[]): Promise<void> {
    await dmWrite(r, addr, data, checksumOf(addr, data), data.length + 4)
}

/** PASSQ decoded by hand: signed 48-bit charge (0.25 mA*s) and time (250 ms). */
async function readPassq(r: Rig): Promise<number[]> {
    const res = await readSub(r, PASSQ)
    assertEq(res.length, 16, "PASSQ length (12 data + 4)")
    assertEq(res.checksum, checksumOf(PASSQ, res.data), "PASSQ checksum")
    const lo = leUnsigned(res.data.slice(0, 4))
    const hi = leUnsigned(res.data.slice(4, 8))
    const time = leUnsigned(res.data.slice(8, 12))
    const hiSigned = hi >= 0x80000000 ? hi - TWO_32 : hi
    assertTrue(hiSigned >= -32768 && hiSigned <= 32767, "PASSQMSB is a sign-extended 16-bit value (" + hi + ")")
    return [hiSigned * TWO_32 + lo, time]
}

function meanStd(xs: number[]): number[] {
    let s = 0
    let s2 = 0
    for (const v of xs) {
        s += v
        s2 += v * v
    }
    const m = s / xs.length
    return [m, Math.sqrt(s2 / xs.length - m * m)]
}

export const bq76907EmulatorSpec: Spec = (t: TestApi) => {
    t.describe("BQ76907 emulator", () => {
        t.test("cell voltages: LE mV per cell, reads continue across words, unused cells read 0", async () => {
            const r = quietRig(4)
            assertEq(r.emu.cells(), 4, "cells()")
            // offsets on cells 5-7 must not show: only 4 cells are connected (extra inputs are ignored too)
            r.emu.setErrors({ cellOffset_V: [0, 0, 0, 0, 0.01, 0.01, 0.01] })
            r.emu.setInputs([3.7, 3.65, 3.71234, 3.6998, 3.9, 3.9, 3.9], 0, 25, 25)
            r.emu.step(0.2)
            // 3700 = 0x0E74, 3650 = 0x0E42, 3712 = 0x0E80, 3700 = 0x0E74
            const b = await rd(r, CELL1, 14)
            assertEq(JSON.stringify(b), JSON.stringify([0x74, 0x0e, 0x42, 0x0e, 0x80, 0x0e, 0x74, 0x0e, 0, 0, 0, 0, 0, 0]), "cells 1-7 in one read")
            assertEq(await rdU16(r, CELL1 + 4), 3712, "cell 3 alone")
            // 3.7 + 3.65 + 3.71234 + 3.6998 = 14.76214 V
            assertEq(await rdU16(r, STACK), 14762, "stack voltage (mV, unsigned)")
            assertEq(JSON.stringify(await rd(r, SAFETY_ALERT_A, 4)), "[0,0,0,0]", "Safety Alert/Status A/B read 0")
        })

        t.test("CC2 current: mA, discharge negative, charge positive, window average", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1.5, 25, 25) // 1.5 A leaving the pack
            r.emu.step(0.01)
            assertEq(JSON.stringify(await rd(r, CC2, 2)), JSON.stringify([0x24, 0xfa]), "-1500 mA = 0xFA24 LE")
            assertNear(r.emu.lastCC2_A(), -1.5, 1e-9, "lastCC2_A()")
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], -0.5, 25, 25) // charging
            r.emu.step(0.01)
            assertEq(await rdI16(r, CC2), 500, "+500 mA while charging")
            // fresh chip: 1 A for 2 ms, then 3 A; the window closes at 2.9296875 ms
            const w = quietRig(4)
            w.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1, 25, 25)
            w.emu.step(0.002)
            w.emu.setInputs([3.7, 3.7, 3.7, 3.7], 3, 25, 25)
            w.emu.step(0.002)
            // (1 * 2 + 3 * 0.9296875) / 2.9296875 = 1.6346667 A -> -1635 mA
            assertEq(await rdI16(w, CC2), -1635, "average over the conversion window")
            w.emu.step(0.5) // CC1 windows end at 0.25 s and 0.5 s; the second is all at 3 A
            assertEq(await rdI16(w, CC1), -3000, "CC1 after a full 250 ms window at 3 A")
        })

        t.test("temperatures: internal in 1 °C, TS in ADC counts of the 20k / NTC divider", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 0, 31.6, 25)
            r.emu.step(0.2) // > one FULLSCAN (5 x 23.4375 ms)
            assertEq(await rdI16(r, INT_TEMP), 32, "31.6 °C -> 32 (rounded)")
            // 10k NTC at 25 °C against 20k: 19660.8 / 3 = 6553.6 -> 6554
            assertEq(await rdU16(r, TS_MEAS), 6554, "TS at 25 °C")
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 0, -5.4, 0)
            r.emu.step(0.2)
            assertEq(JSON.stringify(await rd(r, INT_TEMP, 2)), JSON.stringify([0xfb, 0xff]), "-5.4 °C -> -5 = 0xFFFB")
            // R(0 °C) = 10k * exp(3435 * (1/273.15 - 1/298.15)) = 28704.3; 19660.8 * R / (R + 20k) = 11587.3
            assertEq(await rdU16(r, TS_MEAS), 11587, "TS at 0 °C")
        })

        t.test("subcommand DEVICE_NUMBER: echo, data, checksum and length", async () => {
            const r = quietRig(4)
            const res = await readSub(r, DEVICE_NUMBER)
            assertEq(res.length, 6, "length = 2 data + 4")
            assertEq(JSON.stringify(res.data), JSON.stringify([0x07, 0x76]), "0x7607 LE")
            // ~(0x01 + 0x00 + 0x07 + 0x76) & 0xFF = 0x81
            assertEq(res.checksum, 0x81, "checksum")
            const fw = await readSub(r, FW_VERSION)
            assertEq(fw.length, 10, "FW_VERSION length")
            assertEq(JSON.stringify(fw.data.slice(0, 2)), JSON.stringify([0x76, 0x07]), "FW_VERSION starts with the device number, big-endian")
            assertEq(fw.checksum, checksumOf(FW_VERSION, fw.data), "FW_VERSION checksum")
        })

        t.test("a busy subcommand reads 0xFF 0xFF until its delay has passed", async () => {
            const r = new Rig(4, false, 0.0004, 1)
            await sendSub(r, DEVICE_NUMBER)
            assertEq(JSON.stringify(await rd(r, SUBCMD, 2)), "[255,255]", "busy right after the write")
            assertEq(JSON.stringify(await rd(r, LENGTH, 1)), "[255]", "length not valid while busy")
            r.emu.step(0.0003)
            assertEq(JSON.stringify(await rd(r, SUBCMD, 2)), "[255,255]", "still busy at 0.3 ms")
            r.emu.step(0.0002)
            assertEq(JSON.stringify(await rd(r, SUBCMD, 2)), "[1,0]", "echo at 0.5 ms")
            assertEq(JSON.stringify(await rd(r, BUF, 2)), JSON.stringify([0x07, 0x76]), "data after completion")
        })

        t.test("PASSQ integrates a known current over a known time", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 2, 25, 25) // 2 A discharge
            r.emu.step(60)
            // 240 CC1 windows (0.25 s ... 60 s) of -2000 mA: -2000 * 240 = -480000 units of 0.25 mA*s = -120 C
            const q = await readPassq(r)
            assertEq(q[0], -480000, "accumulated charge")
            assertEq(q[1], 240, "accumulated time (250 ms units)")
            assertNear(r.emu.passqCharge_C(), -120, 1e-6, "passqCharge_C()")
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], -1, 25, 25) // 1 A charging for 30 s more
            r.emu.step(30) // windows 60.25 s ... 90 s, all at +1000 mA
            const q2 = await readPassq(r)
            assertEq(q2[0], -480000 + 120 * 1000, "charging adds back (+1000 per window)")
            assertEq(q2[1], 360, "time keeps counting")
        })

        t.test("PASSQ integrates the measured current: offset and gain error", async () => {
            const r = quietRig(4)
            r.emu.setErrors({ currentOffset_A: 0.05, currentGain: 1.01 })
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 2, 25, 25)
            r.emu.step(60.1)
            // measured = 1.01 * -2 A + 0.05 A = -1.97 A -> -1970 per window x 240 = -472800
            const q = await readPassq(r)
            assertEq(q[0], -472800, "charge with 1 % gain and +50 mA offset")
            assertEq(await rdI16(r, CC2), -1970, "CC2 shows the same error")
        })

        t.test("PASSQ keeps sub-LSB remainders across steps", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], -0.0004, 25, 25) // 0.4 mA charging: below 1 userA
            for (let i = 0; i < 52; i++) {
                r.emu.step(0.05)
                if (i % 30 === 29) await t.pause()
            }
            // 2.6 s = 10 windows of +0.4 units; a per-window integer would give 0
            assertEq(await rdI16(r, CC1), 0, "CC1 register rounds 0.4 mA to 0")
            const q = await readPassq(r)
            assertEq(q[0], 4, "10 x 0.4 = 4 units")
            assertEq(q[1], 10, "10 windows")
        })

        t.test("RESET_PASSQ clears charge and time", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1, 25, 25)
            r.emu.step(10.1)
            const q = await readPassq(r)
            assertEq(q[0], -40000, "-1000 x 40 windows")
            await sendSub(r, RESET_PASSQ)
            assertEq(leUnsigned(await rd(r, SUBCMD, 2)), RESET_PASSQ, "RESET_PASSQ echoes")
            const z = await readPassq(r)
            assertEq(z[0], 0, "charge cleared")
            assertEq(z[1], 0, "time cleared")
            r.emu.step(1)
            const q2 = await readPassq(r)
            assertEq(q2[1], 4, "time restarts: windows end at 10.25, 10.5, 10.75, 11.0")
            assertEq(q2[0], -4000, "charge restarts")
        })

        t.test("data memory: read, CONFIG_UPDATE gating, checksum and length validation", async () => {
            const r = quietRig(4)
            assertEq(await rdU16(r, BATTERY_STATUS), 0x04c0, "Battery Status after power-up: SEC=1, POR, SLEEP_EN")
            const a = await readSub(r, DM_ENABLED_PROT_A)
            assertEq(JSON.stringify(a.data), "[161]", "Enabled Protections A default 0xA1")
            assertEq(a.length, 5, "1-byte entry: length 5")
            assertEq(a.checksum, checksumOf(DM_ENABLED_PROT_A, [0xa1]), "read checksum")
            // ~(0x24 + 0x90 + 0xE1) = 0x6A (SLUAAM4 example)
            await dmWrite(r, DM_ENABLED_PROT_A, [0xe1], 0x6a, 5)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[161]", "ignored outside CONFIG_UPDATE")
            await sendSub(r, SET_CFGUPDATE)
            assertEq((await rdU16(r, BATTERY_STATUS)) & 0x20, 0x20, "CFGUPDATE set")
            await dmWrite(r, DM_ENABLED_PROT_A, [0xe1], 0x6b, 5)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[161]", "bad checksum ignored")
            await dmWrite(r, DM_ENABLED_PROT_A, [0xe1], 0x6a, 4)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[161]", "length 4 (no data) ignored")
            await dmWrite(r, DM_ENABLED_PROT_A, [0xe1], 0x6a, 37)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[161]", "length 37 (> 32 data bytes) ignored")
            await dmWrite(r, DM_ENABLED_PROT_A, [0xe1], 0x6a, 5)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[225]", "valid write lands")
            await dmWriteValid(r, DM_ALARM_MASK, [0x34, 0x12])
            const m = await readSub(r, DM_ALARM_MASK)
            assertEq(leUnsigned(m.data), 0x1234, "2-byte entry round trip")
            assertEq(m.length, 6, "2-byte entry: length 6")
            await sendSub(r, EXIT_CFGUPDATE)
            assertEq(await rdU16(r, BATTERY_STATUS), 0x0440, "CFGUPDATE and POR clear after EXIT_CFGUPDATE")
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[225]", "value kept after exit")
        })

        t.test("RESET restores data-memory defaults and restarts the measurements", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1, 25, 25)
            r.emu.step(1)
            await sendSub(r, SET_CFGUPDATE)
            await dmWriteValid(r, DM_ENABLED_PROT_A, [0xe1])
            await sendSub(r, EXIT_CFGUPDATE)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[225]", "written")
            await sendSub(r, RESET)
            assertEq(JSON.stringify((await readSub(r, DM_ENABLED_PROT_A)).data), "[161]", "default after RESET")
            assertEq(await rdU16(r, CELL1), 0, "no cell result before the first ADSCAN")
            assertEq(await rdU16(r, BATTERY_STATUS), 0x04c0, "POR set again")
            assertEq((await readPassq(r))[1], 0, "PASSTIME cleared")
            r.emu.step(0.05)
            assertEq(await rdU16(r, CELL1), 3700, "measuring again")
        })

        t.test("refresh schedule: nothing new before the period (CC2, ADSCAN, FULLSCAN, Vcell Mode)", async () => {
            const r = quietRig(4)
            r.emu.setInputs([3.0, 3.0, 3.0, 3.0], 1, 30, 25)
            r.emu.step(0.0029)
            assertEq(await rdI16(r, CC2), 0, "no CC2 result before 2.93 ms")
            r.emu.step(0.0001)
            assertEq(await rdI16(r, CC2), -1000, "CC2 at 3.0 ms")
            r.emu.step(ADSCAN7_S - 0.003 + 0.0001) // t = 23.5375 ms, just past the first 7-cell ADSCAN (23.4375 ms)
            assertEq(await rdU16(r, CELL1), 3000, "first ADSCAN")
            assertEq(await rdI16(r, INT_TEMP), 0, "die temperature not converted yet (shared slot of ADSCAN 2)")
            r.emu.setInputs([3.5, 3.5, 3.5, 3.5], 1, 30, 25)
            r.emu.step(ADSCAN7_S - 0.0003) // t = 46.675 ms
            assertEq(await rdU16(r, CELL1), 3000, "unchanged just before the second ADSCAN (46.875 ms)")
            r.emu.step(0.0006) // t = 47.275 ms
            // window 23.4375 .. 46.875 ms: 0.1 ms at 3.0 V, the rest at 3.5 V -> 3.5 - 0.5 * 0.1 / 23.4375 = 3.49787 V
            assertEq(await rdU16(r, CELL1), 3498, "second ADSCAN averages its window")
            assertEq(await rdI16(r, INT_TEMP), 30, "die temperature from ADSCAN 2")
            r.emu.setInputs([3.5, 3.5, 3.5, 3.5], 1, 40, 25)
            r.emu.step(0.16 - 0.047275) // t = 0.16 s, before ADSCAN 7 (164.0625 ms)
            assertEq(await rdI16(r, INT_TEMP), 30, "no new temperature within the FULLSCAN")
            r.emu.step(0.005) // t = 0.165 s
            assertEq(await rdI16(r, INT_TEMP), 40, "temperature one FULLSCAN (5 ADSCANs) later")
            assertEq(await rdU16(r, CELL1), 3500, "cells kept refreshing")
            // Vcell Mode 4: ADSCAN = 5 slots = 14.6484375 ms, counted from EXIT_CFGUPDATE
            await sendSub(r, SET_CFGUPDATE)
            await dmWriteValid(r, DM_VCELL_MODE, [4])
            await sendSub(r, EXIT_CFGUPDATE)
            r.emu.setInputs([3.6, 3.6, 3.6, 3.6], 1, 40, 25)
            r.emu.step(ADSCAN4_S - 0.0005)
            assertEq(await rdU16(r, CELL1), 3500, "not before 14.65 ms")
            r.emu.step(0.001)
            assertEq(await rdU16(r, CELL1), 3600, "after 14.65 ms (a 7-cell ADSCAN would take 23.4 ms)")
        })

        t.test("CRC mode: CRC-8 on reads and writes; a bad or missing CRC is NACKed and ignored", async () => {
            const r = new Rig(4, true, 0, 1)
            r.emu.setErrors({ cellNoise_V: 0, tempNoise_C: 0, currentNoise_A: 0 })
            r.emu.setInputs([3.013, 3.7, 3.7, 3.7], 0, 25, 25)
            r.emu.step(0.1)
            // SLUAAM4 section 4: Cell 1 = 0x0BC5 reads C5 79 0B 31 (CRC over [10 14 11 C5], then over [0B])
            const b = await r.bus.transfer(ADDR, [CELL1], 4)
            assertEq(JSON.stringify(b), JSON.stringify([0xc5, 0x79, 0x0b, 0x31]), "cell 1 with CRC")
            // FET_ENABLE (0x0022) with CRC: [3E 22 63 00 00] as in SLUAAM4 section 4
            assertEq(crc8([0x10, 0x3e, 0x22]), 0x63, "test's own CRC-8 matches TI's example")
            const bad = await catchAsync(async () => {
                await r.bus.transfer(ADDR, [SUBCMD, 0x22, 0x64, 0x00, 0x00], 0)
            })
            assertTrue(bad !== undefined, "bad CRC throws")
            assertEq(bad.name, "BusError", "reported as a bus error")
            assertTrue(bad.message.indexOf("NACK") >= 0, "message says NACK: " + bad.message)
            const missing = await catchAsync(async () => {
                await r.bus.transfer(ADDR, [SUBCMD, 0x22, 0x63, 0x00], 0)
            })
            assertTrue(missing !== undefined, "missing CRC byte throws")
            let st = await r.bus.transfer(ADDR, [BATTERY_STATUS], 4)
            assertEq(st[2] & 0x01, 0, "FET_EN still 0: the rejected writes did nothing")
            await r.bus.transfer(ADDR, [SUBCMD, 0x22, 0x63, 0x00, 0x00], 0)
            st = await r.bus.transfer(ADDR, [BATTERY_STATUS], 4)
            assertEq(st[2] & 0x01, 0x01, "FET_EN set by the valid write")
            assertEq(st[1], crc8([0x10, BATTERY_STATUS, 0x11, st[0]]), "first CRC covers address, command, address+R")
            assertEq(st[3], crc8([st[2]]), "second CRC covers its byte only")
            // a subcommand read through CRC framing
            await r.bus.transfer(ADDR, [SUBCMD, 0x01, crc8([0x10, 0x3e, 0x01]), 0x00, crc8([0x00])], 0)
            const d = await r.bus.transfer(ADDR, [BUF], 4)
            assertEq(d[0], 0x07, "DEVICE_NUMBER low byte")
            assertEq(d[2], 0x76, "DEVICE_NUMBER high byte")
            assertEq(d[1], crc8([0x10, BUF, 0x11, 0x07]), "CRC of the first buffer byte")
        })

        t.test("noise: mean and spread within bounds, deterministic for a seed", async () => {
            const r = new Rig(4, false, 0, 7)
            r.emu.setErrors({ cellNoise_V: 0.002, currentNoise_A: 0.02, currentOffset_A: 0, currentGain: 1 })
            r.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1, 25, 25)
            const cells: number[] = []
            const cur: number[] = []
            for (let i = 0; i < 240; i++) {
                r.emu.step(ADSCAN7_S)
                cells.push(await rdU16(r, CELL1))
                cur.push(await rdI16(r, CC2))
                if (i % 10 === 9) await t.pause() // each pass costs several thousand VM ops
            }
            const c = meanStd(cells)
            // sigma 2 mV: the mean of 240 samples is within 0.13 mV (1 sigma) of 3700; the spread ~ sqrt(4 + 1/12)
            assertNear(c[0], 3700, 0.5, "cell mean (mV)")
            assertTrue(c[1] > 1.6 && c[1] < 2.5, "cell spread " + c[1] + " mV")
            const k = meanStd(cur)
            assertNear(k[0], -1000, 5, "CC2 mean (mA)")
            assertTrue(k[1] > 16 && k[1] < 24, "CC2 spread " + k[1] + " mA")
            // same seed, same sequence; another seed, another sequence
            const a = new Rig(4, false, 0, 7)
            const b = new Rig(4, false, 0, 8)
            for (const x of [a, b]) {
                x.emu.setErrors({ cellNoise_V: 0.002, currentNoise_A: 0.02, currentOffset_A: 0, currentGain: 1 })
                x.emu.setInputs([3.7, 3.7, 3.7, 3.7], 1, 25, 25)
            }
            let differs = 0
            for (let i = 0; i < 20; i++) {
                a.emu.step(ADSCAN7_S)
                b.emu.step(ADSCAN7_S)
                assertEq(await rdU16(a, CELL1), cells[i], "seed 7 repeats sample " + i)
                if ((await rdU16(b, CELL1)) !== cells[i]) differs++
                if (i % 10 === 9) await t.pause()
            }
            assertTrue(differs >= 10, "seed 8 gives another sequence (" + differs + " of 20 differ)")
        })
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Protections, FET drivers and the ALERT pin (facts section 8). Data-memory addresses and codes written out here.

const ALARM_STATUS = 0x62
const ALARM_ENABLE = 0x66
const FET_CONTROL = 0x68
const DM_FET_OPTIONS = 0x901e
const DM_CUV_THR = 0x902e
const DM_CUV_DLY = 0x9030
const DM_CUV_HYS = 0x9031
const DM_COV_THR = 0x9032
const DM_COV_DLY = 0x9034
const DM_COV_HYS = 0x9035
const DM_OCC_THR = 0x9036
const DM_OCC_DLY = 0x9037
const DM_OCD1_THR = 0x9038
const DM_OCD1_DLY = 0x9039
const DM_SCD_THR = 0x903c
const DM_SCD_DLY = 0x903d
const DM_RECOVERY = 0x903f
const DM_ENABLED_PROT_B = 0x9025
// temperature thresholds (delay at +1, recovery at +2): our inferred addresses (facts section 8.1)
const DM_OTC_THR = 0x9040
const DM_OTD_THR = 0x9043
const DM_OTINT_THR = 0x9046
const DM_UTC_THR = 0x9049
const DM_UTD_THR = 0x904c
const SAFETY_ALERT_B = 0x04
// Enabled Protections B: 5 OTD, 4 OTC, 3 UTD, 2 UTC, 1 OTINT; Safety Alert/Status B: 7 OTD, 6 OTC, 5 UTD, 4 UTC, 3 OTINT
const EN_OTD = 0x20
const EN_OTC = 0x10
const EN_UTD = 0x08
const EN_UTC = 0x04
const EN_OTINT = 0x02
const ST_OTD = 0x80
const ST_OTC = 0x40
const ST_UTD = 0x20
const ST_UTC = 0x10
const ST_OTINT = 0x08
const FULLSCAN4_S = 5 * ADSCAN4_S
// Safety A / Enabled Protections A bits
const COV = 0x80
const CUV = 0x40
const SCD = 0x20
const OCD1 = 0x10
const OCC = 0x04
// Battery Status
const BS_FET_EN = 0x0100
const BS_SS = 0x1000
const BS_SA = 0x2000
const BS_ALERTPIN = 0x0010
const BS_CHG = 0x0008
const BS_DSG = 0x0004
// FET Options: SFET | CHGOFF (default 0x18) plus FET_EN 0x04 and HOST_FETOFF_EN 0x40
const FO_AUTONOMOUS = 0x18 | 0x04 | 0x40

/** Write data-memory entries (address, then LE bytes) in one CONFIG_UPDATE. */
async function dmSet(r: Rig, entries: number[][]): Promise<void> {
    await sendSub(r, SET_CFGUPDATE)
    for (const e of entries) await dmWriteValid(r, e[0], e.slice(1))
    await sendSub(r, EXIT_CFGUPDATE)
}

/** A quiet 4-cell chip (ADSCAN 14.65 ms) with autonomous FETs, host turn-off, and only `enabled` protections. */
async function protRig(enabled: number, more: number[][]): Promise<Rig> {
    const r = quietRig(4)
    const entries = [[DM_VCELL_MODE, 4], [DM_FET_OPTIONS, FO_AUTONOMOUS], [DM_ENABLED_PROT_A, enabled]]
    for (const e of more) entries.push(e)
    await dmSet(r, entries)
    return r
}

function cells4(v: number, at: number, vAt: number): number[] {
    const out = [v, v, v, v]
    out[at] = vAt
    return out
}

async function safety(r: Rig): Promise<number[]> {
    return await rd(r, SAFETY_ALERT_A, 2) // [alert A, status A]
}

async function safetyB(r: Rig): Promise<number[]> {
    return await rd(r, SAFETY_ALERT_B, 2) // [alert B, status B]
}

export const bq76907ProtectionSpec: Spec = (t: TestApi) => {
    t.describe("BQ76907 emulator: protections, FETs, ALERT", () => {
        t.test("FETs: off at power-up until FET_EN; FET_ENABLE turns autonomous control on; OTP option; Battery Status bits", async () => {
            const r = quietRig(4)
            assertTrue(!r.emu.chgOn() && !r.emu.dsgOn(), "blank part: both FETs off")
            assertEq((await rdU16(r, BATTERY_STATUS)) & (BS_CHG | BS_DSG | BS_FET_EN), 0, "Battery Status CHG/DSG/FET_EN clear")
            await sendSub(r, FET_ENABLE)
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "FET_ENABLE: both on")
            assertEq((await rdU16(r, BATTERY_STATUS)) & (BS_CHG | BS_DSG | BS_FET_EN), BS_CHG | BS_DSG | BS_FET_EN, "Battery Status shows it")
            assertEq((await readSub(r, DM_FET_OPTIONS)).data[0], 0x1c, "FET_ENABLE toggles FET Options[FET_EN] in RAM")
            await sendSub(r, SET_CFGUPDATE)
            assertTrue(!r.emu.chgOn() && !r.emu.dsgOn(), "FETs open in CONFIG_UPDATE")
            await sendSub(r, EXIT_CFGUPDATE)
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "and close again on exit")
            const otp = new Bq76907Emulator(ADDR, 4, R_SHUNT, { fetEnabledAtPowerUp: true })
            assertTrue(otp.chgOn() && otp.dsgOn(), "OTP FET_EN: on from power-up")
            const b2 = new EmulatedBus()
            b2.attach(otp)
            await b2.transfer(ADDR, [SUBCMD, RESET & 0xff, RESET >> 8], 0)
            assertTrue(otp.chgOn() && otp.dsgOn(), "and again after RESET")
        })

        t.test("COV: alert at the first ADSCAN above, trip at the delay-th, CHG off only, recovery below threshold - hysteresis", async () => {
            const r = await protRig(COV, [[DM_COV_THR, 4200 & 0xff, 4200 >> 8], [DM_COV_DLY, 5], [DM_COV_HYS, 1]])
            r.emu.setInputs(cells4(3.9, 1, 4.25), 0, 25, 25)
            r.emu.step(ADSCAN4_S)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([COV, 0]), "alert after the first scan")
            assertEq((await rdU16(r, BATTERY_STATUS)) & (BS_SA | BS_SS), BS_SA, "Battery Status SA")
            for (let i = 0; i < 3; i++) r.emu.step(ADSCAN4_S)
            assertEq((await safety(r))[1], 0, "no trip after 4 scans (delay 5)")
            assertTrue(r.emu.chgOn(), "CHG still on")
            r.emu.step(ADSCAN4_S)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([0, COV]), "tripped at the 5th scan; the alert gives way to the status")
            assertNear(r.emu.lastTripTime_s(), 5 * ADSCAN4_S, 1e-9, "trip time = 5 ADSCANs")
            assertTrue(!r.emu.chgOn() && r.emu.dsgOn(), "CHG off, DSG on")
            assertEq((await rdU16(r, BATTERY_STATUS)) & (BS_SS | BS_CHG | BS_DSG), BS_SS | BS_DSG, "Battery Status SS, DSG only")
            r.emu.setInputs(cells4(3.9, 1, 4.16), 0, 25, 25) // below the threshold, not by 50 mV
            for (let i = 0; i < 4; i++) r.emu.step(ADSCAN4_S)
            assertEq((await safety(r))[1], COV, "still tripped at 4160 mV (recovery below 4150)")
            r.emu.setInputs(cells4(3.9, 1, 4.14), 0, 25, 25)
            r.emu.step(ADSCAN4_S) // this scan's window still averages in part of the last one: 4.14 throughout
            r.emu.step(ADSCAN4_S)
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "recovered at 4140 mV")
            assertTrue(r.emu.chgOn(), "CHG back on")
        })

        t.test("CUV: trips after its delay with DSG off; hysteresis code 0 never recovers by itself", async () => {
            const r = await protRig(CUV, [[DM_CUV_THR, 2800 & 0xff, 2800 >> 8], [DM_CUV_DLY, 3], [DM_CUV_HYS, 0]])
            r.emu.setInputs(cells4(3.6, 3, 2.75), 0, 25, 25)
            r.emu.step(2 * ADSCAN4_S)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([CUV, 0]), "two scans: alert only")
            r.emu.step(ADSCAN4_S)
            assertEq((await safety(r))[1], CUV, "third scan: tripped")
            assertTrue(r.emu.chgOn() && !r.emu.dsgOn(), "DSG off, CHG on")
            r.emu.setInputs(cells4(3.6, 3, 3.6), 0, 25, 25)
            r.emu.step(1)
            assertEq((await safety(r))[1], CUV, "no autonomous recovery with hysteresis code 0")
            // a brief dip shorter than the delay does not trip
            const q = await protRig(CUV, [[DM_CUV_THR, 2800 & 0xff, 2800 >> 8], [DM_CUV_DLY, 3]])
            q.emu.setInputs(cells4(3.6, 0, 2.7), 0, 25, 25)
            q.emu.step(2 * ADSCAN4_S)
            q.emu.setInputs(cells4(3.6, 0, 3.6), 0, 25, 25)
            q.emu.step(ADSCAN4_S)
            q.emu.step(ADSCAN4_S)
            assertEq(JSON.stringify(await safety(q)), "[0,0]", "two scans low, then fine: no trip, alert gone")
            q.emu.setInputs(cells4(3.6, 0, 2.7), 0, 25, 25)
            q.emu.step(2 * ADSCAN4_S)
            assertEq((await safety(q))[1], 0, "the count started again")
        })

        t.test("OCD1: not before its delay, at it; DSG off; recovers after Recovery Time and trips again if still there", async () => {
            // 20 mV (code 10) = 20 A on 1 mOhm; delay code 6 = 1.22 + 5 x 0.305 = 2.745 ms; recovery 2 s
            const r = await protRig(OCD1, [[DM_OCD1_THR, 10], [DM_OCD1_DLY, 6], [DM_RECOVERY, 2]])
            const v = cells4(3.7, 0, 3.7)
            r.emu.setInputs(v, 19.9, 25, 25)
            r.emu.step(0.01)
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "19.9 A: below 20 mV")
            const t0 = 0.01 // emulated time so far
            r.emu.setInputs(v, 25, 25, 25)
            for (let i = 0; i < 27; i++) r.emu.step(0.0001)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([OCD1, 0]), "2.7 ms at 25 A: alert, no trip")
            assertTrue(r.emu.dsgOn(), "DSG still on")
            r.emu.step(0.0001)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([0, OCD1]), "2.8 ms: tripped")
            assertNear(r.emu.lastTripTime_s() - t0, 0.002745, 1e-9, "at 2.745 ms exactly")
            assertTrue(!r.emu.dsgOn() && r.emu.chgOn(), "DSG off, CHG on")
            r.emu.setInputs(v, 0, 25, 25) // the pack path is open
            r.emu.step(1.99)
            assertEq((await safety(r))[1], OCD1, "held for the recovery time")
            r.emu.step(0.01)
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "recovered after 2 s")
            assertTrue(r.emu.dsgOn(), "DSG on again")
            r.emu.setInputs(v, 25, 25, 25) // the fault is still there
            r.emu.step(0.003)
            assertEq((await safety(r))[1], OCD1, "trips again")
            // an overcurrent that ends before the delay restarts the timer
            const q = await protRig(OCD1, [[DM_OCD1_THR, 10], [DM_OCD1_DLY, 6]])
            for (let k = 0; k < 3; k++) {
                q.emu.setInputs(v, 25, 25, 25)
                q.emu.step(0.002)
                q.emu.setInputs(v, 5, 25, 25)
                q.emu.step(0.001)
            }
            assertEq(JSON.stringify(await safety(q)), "[0,0]", "three 2 ms pulses: no trip")
        })

        t.test("OCC: charge direction only, fastest delay 0.46 ms, CHG off", async () => {
            // code 3 = 6 mV = 6 A on 1 mOhm; delay code 0 (fastest, 0.46 ms)
            const r = await protRig(OCC, [[DM_OCC_THR, 3], [DM_OCC_DLY, 0]])
            const v = cells4(3.7, 0, 3.7)
            r.emu.setInputs(v, 10, 25, 25) // 10 A discharge: not OCC
            r.emu.step(0.01)
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "discharge is not OCC")
            const t0 = 0.01 // emulated time so far
            r.emu.setInputs(v, -7, 25, 25)
            r.emu.step(0.0004)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([OCC, 0]), "0.4 ms at 7 A charge: alert")
            r.emu.step(0.0001)
            assertEq((await safety(r))[1], OCC, "0.5 ms: tripped")
            assertNear(r.emu.lastTripTime_s() - t0, 0.00046, 1e-9, "at 0.46 ms")
            assertTrue(!r.emu.chgOn() && r.emu.dsgOn(), "CHG off, DSG on")
        })

        t.test("SCD at a 0.1 ms step: trips within its microsecond delay and not before", async () => {
            // code 2 = 40 mV = 40 A; delay code 7 = 977 us
            const r = await protRig(SCD, [[DM_SCD_THR, 2], [DM_SCD_DLY, 7]])
            const v = cells4(3.7, 0, 3.7)
            r.emu.setInputs(v, 1, 25, 25)
            r.emu.step(0.05)
            const t0 = 0.05 // emulated time so far
            r.emu.setInputs(v, 120, 25, 25)
            for (let i = 0; i < 9; i++) r.emu.step(0.0001)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([SCD, 0]), "0.9 ms: alert, no trip")
            r.emu.step(0.0001)
            assertEq((await safety(r))[1], SCD, "1.0 ms: tripped")
            assertNear(r.emu.lastTripTime_s() - t0, 0.000977, 1e-9, "at 977 us")
            assertTrue(!r.emu.dsgOn(), "DSG off")
            // 15 us (code 1): the first 0.1 ms step trips, 15 us into it
            const f = await protRig(SCD, [[DM_SCD_THR, 2], [DM_SCD_DLY, 1]])
            f.emu.setInputs(v, 120, 25, 25)
            const t1 = 0 // a fresh chip
            f.emu.step(0.0001)
            assertEq((await safety(f))[1], SCD, "tripped in the first step")
            assertNear(f.emu.lastTripTime_s() - t1, 0.000015, 1e-12, "15 us after the short")
            assertTrue(!f.emu.dsgOn(), "DSG off")
        })

        t.test("disabled protections never trip (Enabled Protections A gates each one)", async () => {
            const r = await protRig(0, [[DM_COV_THR, 4200 & 0xff, 4200 >> 8], [DM_COV_DLY, 1], [DM_CUV_THR, 2800 & 0xff, 2800 >> 8], [DM_CUV_DLY, 1], [DM_OCD1_THR, 10], [DM_OCC_THR, 2], [DM_SCD_THR, 0], [DM_SCD_DLY, 0]])
            r.emu.setInputs([4.5, 2.0, 3.7, 3.7], 200, 25, 25)
            r.emu.step(0.5)
            r.emu.setInputs([4.5, 2.0, 3.7, 3.7], -50, 25, 25)
            r.emu.step(0.5)
            assertEq(JSON.stringify(await rd(r, SAFETY_ALERT_A, 4)), "[0,0,0,0]", "nothing with every protection disabled")
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "FETs on")
            // only CUV enabled: the overvoltage and the currents still do nothing
            await dmSet(r, [[DM_ENABLED_PROT_A, CUV]])
            r.emu.setInputs([4.5, 2.0, 3.7, 3.7], 200, 25, 25)
            r.emu.step(0.5)
            assertEq(JSON.stringify(await safety(r)), JSON.stringify([0, CUV]), "only CUV trips")
            // disabling a tripped protection clears it
            await dmSet(r, [[DM_ENABLED_PROT_A, 0]])
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "cleared when disabled")
        })

        t.test("FET Control: host turn-off needs HOST_FETOFF_EN and never overrides a protection", async () => {
            const r = quietRig(4)
            await dmSet(r, [[DM_VCELL_MODE, 4], [DM_FET_OPTIONS, 0x18 | 0x04], [DM_ENABLED_PROT_A, COV], [DM_COV_THR, 4200 & 0xff, 4200 >> 8], [DM_COV_DLY, 1]])
            await r.bus.transfer(ADDR, [FET_CONTROL, 0x0c], 0)
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "ignored without HOST_FETOFF_EN")
            assertEq((await rd(r, FET_CONTROL, 1))[0], 0x0c, "the register keeps what was written")
            await dmSet(r, [[DM_FET_OPTIONS, FO_AUTONOMOUS]])
            assertTrue(!r.emu.chgOn() && !r.emu.dsgOn(), "CHG_OFF | DSG_OFF with HOST_FETOFF_EN: both off")
            await r.bus.transfer(ADDR, [FET_CONTROL, 0x04], 0)
            assertTrue(r.emu.chgOn() && !r.emu.dsgOn(), "DSG_OFF only")
            await r.bus.transfer(ADDR, [FET_CONTROL, 0x00], 0)
            r.emu.setInputs([4.3, 3.7, 3.7, 3.7], 0, 25, 25)
            r.emu.step(0.05)
            assertTrue(!r.emu.chgOn() && r.emu.dsgOn(), "COV holds CHG off whatever the host writes")
            await r.bus.transfer(ADDR, [FET_CONTROL, 0x03], 0)
            assertTrue(!r.emu.chgOn(), "CHG_ON does not override it either")
            // host mode (FET_EN = 0): only the ON bits with HOST_FETON_EN turn a FET on
            const h = quietRig(4)
            await dmSet(h, [[DM_FET_OPTIONS, 0x18 | 0x20]])
            assertTrue(!h.emu.chgOn() && !h.emu.dsgOn(), "host mode: off")
            await h.bus.transfer(ADDR, [FET_CONTROL, 0x01], 0)
            assertTrue(!h.emu.chgOn() && h.emu.dsgOn(), "DSG_ON")
        })

        t.test("ALERT pin: Safety Status latches SSA in Alarm Status under Alarm Enable; write 1 to clear", async () => {
            const r = await protRig(OCD1, [[DM_OCD1_THR, 10], [DM_OCD1_DLY, 0], [DM_RECOVERY, 1]])
            const v = cells4(3.7, 0, 3.7)
            r.emu.setInputs(v, 5, 25, 25)
            r.emu.step(0.1)
            assertTrue(!r.emu.alertAsserted(), "quiet: ALERT released")
            assertEq((await rdU16(r, ALARM_ENABLE)), 0xc200, "default mask SSA | SSB | SHUTV")
            r.emu.setInputs(v, 30, 25, 25)
            r.emu.step(0.001)
            assertTrue(r.emu.alertAsserted(), "OCD1 tripped: ALERT asserted")
            assertEq((await rdU16(r, ALARM_STATUS)) & 0x8000, 0x8000, "Alarm Status SSA")
            assertEq((await rdU16(r, BATTERY_STATUS)) & BS_ALERTPIN, BS_ALERTPIN, "Battery Status ALERTPIN")
            await r.bus.transfer(ADDR, [ALARM_STATUS, 0x00, 0x80], 0)
            assertTrue(!r.emu.alertAsserted(), "cleared by writing 1")
            r.emu.setInputs(v, 0, 25, 25)
            r.emu.step(0.1)
            assertTrue(r.emu.alertAsserted(), "latched again while the status holds")
            r.emu.step(1)
            assertEq((await safety(r))[1], 0, "recovered")
            await r.bus.transfer(ADDR, [ALARM_STATUS, 0x00, 0xff], 0)
            r.emu.step(0.1)
            assertTrue(!r.emu.alertAsserted(), "stays released once recovered and cleared")
            // masked out: no ALERT
            await r.bus.transfer(ADDR, [ALARM_ENABLE, 0x00, 0x00], 0)
            r.emu.setInputs(v, 30, 25, 25)
            r.emu.step(0.01)
            assertEq((await safety(r))[1], OCD1, "tripped")
            assertTrue(!r.emu.alertAsserted(), "but ALERT masked")
        })

        t.test("OTC: TS counts below the threshold for its delay in FULLSCAN measurements; CHG off only; recovery", async () => {
            // OTC 55 x 54 = 2970 counts (about 54.4 °C), delay 3, recovery 62 x 54 = 3348 counts (about 50 °C)
            const r = await protRig(0, [[DM_ENABLED_PROT_B, EN_OTC], [DM_OTC_THR, 55], [DM_OTC_THR + 1, 3], [DM_OTC_THR + 2, 62]])
            r.emu.setInputs(cells4(3.7, 0, 3.7), 0, 25, 60) // 60 °C: 2550 counts
            r.emu.step(3 * ADSCAN4_S) // TS is converted in the shared slot of scan 2 of each FULLSCAN
            assertEq(await rdU16(r, TS_MEAS), 2550, "TS counts at 60 °C")
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([ST_OTC, 0]), "alert at the first hot measurement")
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], 0, "two measurements: no trip (delay 3)")
            assertTrue(r.emu.chgOn(), "CHG still on")
            r.emu.step(FULLSCAN4_S - 0.0001)
            assertEq((await safetyB(r))[1], 0, "not before the third measurement")
            r.emu.step(0.0001)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([0, ST_OTC]), "tripped at the third")
            assertNear(r.emu.lastTripTime_s(), 3 * ADSCAN4_S + 2 * FULLSCAN4_S, 1e-9, "trip time: the third measurement's end")
            assertTrue(!r.emu.chgOn() && r.emu.dsgOn(), "CHG off, DSG on")
            assertEq((await rdU16(r, BATTERY_STATUS)) & BS_SS, BS_SS, "Battery Status SS")
            assertEq((await rdU16(r, ALARM_STATUS)) & 0x4000, 0x4000, "Alarm Status SSB")
            r.emu.setInputs(cells4(3.7, 0, 3.7), 0, 25, 52) // 3168 counts: below the threshold, short of recovery
            r.emu.step(3 * FULLSCAN4_S)
            assertEq((await safetyB(r))[1], ST_OTC, "still tripped at 52 °C")
            r.emu.setInputs(cells4(3.7, 0, 3.7), 0, 25, 45) // 3835 counts >= 3348
            r.emu.step(FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), "[0,0]", "recovered at 45 °C")
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "CHG back on")
        })

        t.test("OTD, UTC, UTD and OTINT: each after its delay, on its FET, recovering at its threshold", async () => {
            const r = await protRig(0, [
                [DM_ENABLED_PROT_B, EN_OTD | EN_UTC | EN_UTD | EN_OTINT],
                [DM_OTD_THR, 48], [DM_OTD_THR + 1, 2], [DM_OTD_THR + 2, 55], // 2592 counts (59.4 °C), recovery 2970
                [DM_UTC_THR, 150], [DM_UTC_THR + 1, 2], [DM_UTC_THR + 2, 137], // 11550 counts (0.2 °C), recovery 10549
                [DM_UTD_THR, 202], [DM_UTD_THR + 1, 4], [DM_UTD_THR + 2, 190], // 15554 counts (-19.8 °C), recovery 14630
                [DM_OTINT_THR, 85], [DM_OTINT_THR + 1, 2], [DM_OTINT_THR + 2, 80], // die °C
            ])
            const v = cells4(3.7, 0, 3.7)
            r.emu.setInputs(v, 0, 25, 65) // 2230 counts: OTD
            r.emu.step(3 * ADSCAN4_S + FULLSCAN4_S - 0.0001)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([ST_OTD, 0]), "OTD: alert, not yet tripped")
            r.emu.step(0.0001)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([0, ST_OTD]), "OTD tripped at the second measurement")
            assertTrue(r.emu.chgOn() && !r.emu.dsgOn(), "OTD: DSG off, CHG on")
            r.emu.setInputs(v, 0, 25, 25)
            r.emu.step(FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), "[0,0]", "OTD recovered at 25 °C")
            assertTrue(r.emu.dsgOn(), "DSG back on")
            // -5 °C (12675 counts): UTC only; -25 °C (16435): UTD too, after its longer delay
            r.emu.setInputs(v, 0, 25, -5)
            r.emu.step(2 * FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([0, ST_UTC]), "UTC at -5 °C")
            assertTrue(!r.emu.chgOn() && r.emu.dsgOn(), "UTC: CHG off, DSG on")
            const t0 = r.emu.lastTripTime_s()
            r.emu.setInputs(v, 0, 25, -25)
            r.emu.step(3 * FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([ST_UTD, ST_UTC]), "UTD: alert after 3 of 4")
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], ST_UTC | ST_UTD, "UTD tripped at 4")
            assertNear(r.emu.lastTripTime_s() - t0, 4 * FULLSCAN4_S, 1e-9, "four measurements after UTC's trip")
            assertTrue(!r.emu.chgOn() && !r.emu.dsgOn(), "both off")
            r.emu.setInputs(v, 0, 25, 3) // 10930 counts: UTD recovers (<= 14630), UTC not (> 10549)
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], ST_UTC, "UTD recovered at 3 °C, UTC not")
            r.emu.setInputs(v, 0, 25, 10)
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], 0, "UTC recovered at 10 °C")
            // OTINT: die at 90 °C, measured in shared slot 1
            r.emu.setInputs(v, 0, 90, 25)
            r.emu.step(FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([ST_OTINT, 0]), "OTINT alert")
            r.emu.step(FULLSCAN4_S)
            assertEq(JSON.stringify(await safetyB(r)), JSON.stringify([0, ST_OTINT]), "OTINT tripped")
            assertTrue(!r.emu.chgOn() && !r.emu.dsgOn(), "OTINT: both FETs off")
            r.emu.setInputs(v, 0, 81, 25)
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], ST_OTINT, "81 °C: not recovered")
            r.emu.setInputs(v, 0, 80, 25)
            r.emu.step(FULLSCAN4_S)
            assertEq((await safetyB(r))[1], 0, "80 °C: recovered")
            assertTrue(r.emu.chgOn() && r.emu.dsgOn(), "both on")
        })

        t.test("temperature protections: exact trip time within one long step; disabled ones never trip", async () => {
            const r = await protRig(0, [[DM_ENABLED_PROT_B, EN_OTC], [DM_OTC_THR, 55], [DM_OTC_THR + 1, 3], [DM_OTC_THR + 2, 62]])
            r.emu.setInputs(cells4(3.7, 0, 3.7), 0, 25, 60)
            r.emu.step(1)
            assertEq((await safetyB(r))[1], ST_OTC, "tripped within the step")
            assertNear(r.emu.lastTripTime_s(), 3 * ADSCAN4_S + 2 * FULLSCAN4_S, 1e-9, "at the third measurement, not at the step's end")
            // nothing enabled in B (the default): no temperature, however extreme, trips anything
            const q = await protRig(0, [[DM_OTC_THR, 200], [DM_OTD_THR, 200], [DM_OTINT_THR, 30]])
            q.emu.setInputs(cells4(3.7, 0, 3.7), 0, 120, 90)
            q.emu.step(2)
            q.emu.setInputs(cells4(3.7, 0, 3.7), 0, 120, -35)
            q.emu.step(2)
            assertEq(JSON.stringify(await rd(q, SAFETY_ALERT_B, 2)), "[0,0]", "Safety B stays clear")
            assertTrue(q.emu.chgOn() && q.emu.dsgOn(), "FETs on")
            // UTC alone enabled: the heat does nothing, the cold trips UTC only; disabling it clears it
            await dmSet(q, [[DM_ENABLED_PROT_B, EN_UTC]])
            q.emu.setInputs(cells4(3.7, 0, 3.7), 0, 120, 90)
            q.emu.step(2)
            assertEq(JSON.stringify(await safetyB(q)), "[0,0]", "heat: nothing with only UTC enabled")
            q.emu.setInputs(cells4(3.7, 0, 3.7), 0, 120, -35)
            q.emu.step(2)
            assertEq(JSON.stringify(await safetyB(q)), JSON.stringify([0, ST_UTC]), "cold: UTC only")
            await dmSet(q, [[DM_ENABLED_PROT_B, 0]])
            assertEq(JSON.stringify(await safetyB(q)), "[0,0]", "cleared when disabled")
        })

        t.test("protections pause in CONFIG_UPDATE", async () => {
            const r = await protRig(OCD1, [[DM_OCD1_THR, 10], [DM_OCD1_DLY, 0]])
            await sendSub(r, SET_CFGUPDATE)
            r.emu.setInputs(cells4(3.7, 0, 3.7), 30, 25, 25)
            r.emu.step(0.1)
            assertEq(JSON.stringify(await safety(r)), "[0,0]", "nothing evaluated in CONFIG_UPDATE")
            await sendSub(r, EXIT_CFGUPDATE)
            r.emu.step(0.001)
            assertEq((await safety(r))[1], OCD1, "evaluated again after exit")
        })
    })
}
