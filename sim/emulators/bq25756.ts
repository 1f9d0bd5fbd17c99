// BQ25756 charge controller emulator, register level (the driver is src/drivers/bq25756.ts). The plant asks what
// to regulate to (regulation()), feeds the ADC (measure()) and reports the charge phase (setState()); tests inject
// faults. Facts with sources: docs/bq25756-facts.md (datasheet SLUSEN5):
// - 16-bit registers little-endian (low byte at the address); the pointer auto-increments on reads and writes;
//   addresses outside the map read 0xFF and ignore writes (the datasheet also says NACK; verify).
// - Reset values and writable bits are the datasheet's; reserved and read-only bits ignore writes. Each byte takes
//   effect as it arrives (whether the chip waits for the high byte is not documented; verify).
// - The chip clamps out-of-range limit codes: the register keeps what was written, regulation() uses the clamped
//   value (whether the register reads back clamped is not documented; verify).
// - WD_RST (17h b5), REG_RST (19h b7) and FORCE_SWEEP (1Ah b7) read back 0. Flags 25h..27h clear when read.
// - Watchdog: power-on is "default mode" (WD_STAT = 1). Any write enters host mode and starts the timer; WD_RST
//   restarts it. On expiry: default mode, WD_STAT and WD_FLAG set, and the "reset by WATCHDOG" bits go back to
//   their defaults (ICHG to 20 A, EN_CHG to EN_CHG_BIT_RESET_BEHAVIOR, ADC_EN off, ...).
// - There is no die-temperature ADC: measure()'s dieTemp_C drives TSHUT (150 C on, 135 C off) instead. VBAT_OV
//   follows VBAT against 104 % / 102 % of the charge voltage; VAC_UV follows VBUS below 4.2 V. TS_STAT is set only
//   by the fault setters (JEITA warm/cool and their current/voltage reductions are not modelled).
import { I2cDevice } from "./emulated_bus"

const SIZE = 0x63
// [address, reset, writable bits, bits reset by the watchdog] for every defined control byte. Status (21h..24h),
// flags (25h..27h) and ADC results (2Dh..34h, 37h..3Ah) are defined too and handled apart.
const BYTES = [
    0x00, 0x10, 0x1f, 0x00, 0x01, 0x00, 0x00, 0x00, // VFB_REG
    0x02, 0x40, 0xfc, 0xfc, 0x03, 0x06, 0x07, 0x07, // ICHG (reset by the watchdog)
    0x06, 0x40, 0xfc, 0x00, 0x07, 0x06, 0x07, 0x00, // IAC_DPM
    0x08, 0x48, 0xfc, 0x00, 0x09, 0x03, 0x3f, 0x00, // VAC_DPM
    0x0a, 0x40, 0xfc, 0x00, 0x0b, 0x06, 0x07, 0x00, // IAC_REV
    0x0c, 0xe8, 0xfc, 0x00, 0x0d, 0x03, 0x3f, 0x00, // VAC_REV
    0x10, 0x40, 0xfc, 0x00, 0x11, 0x01, 0x03, 0x00, // IPRECHG
    0x12, 0xa0, 0xfc, 0x00, 0x13, 0x00, 0x03, 0x00, // ITERM
    0x14, 0x0f, 0x0f, 0x00, 0x15, 0x1d, 0xff, 0x08, // precharge/termination control, timer control
    0x16, 0x00, 0x0f, 0x0f, 0x17, 0xc9, 0xff, 0x07, // three-stage, charger control (EN_CHG handled apart)
    0x18, 0xc0, 0xff, 0xc0, 0x19, 0x20, 0xe1, 0x41, // pin control, power path
    0x1a, 0x20, 0xe7, 0x00, 0x1b, 0x96, 0xff, 0x00, // MPPT, TS thresholds
    0x1c, 0x57, 0x7f, 0x00, 0x1d, 0x40, 0xe0, 0x00, // TS region, TS reverse
    0x1e, 0x00, 0x20, 0x00, 0x1f, 0x00, 0x00, 0x00, // reverse UV, VAC_MPP (read-only)
    0x20, 0x00, 0x00, 0x00, 0x28, 0x00, 0xeb, 0x00, // VAC_MPP high, charger mask 1
    0x29, 0x00, 0x9b, 0x00, 0x2a, 0x00, 0xfe, 0x00, // charger mask 2, fault mask
    0x2b, 0x60, 0xfc, 0x80, 0x2c, 0x0a, 0xf6, 0x00, // ADC control (ADC_EN reset by the watchdog), channels
    0x3b, 0x00, 0xff, 0x00, 0x3c, 0x00, 0x0f, 0x00, // gate drive
    0x3d, 0x12, 0x00, 0x00, 0x62, 0x02, 0xc2, 0x00, // part information (PART_NUM 2, DEV_REV 2), reverse IBAT
]
const WD_PERIOD_S = [0, 40, 80, 160]
const STATE_NAMES = ["off", "trickle", "precharge", "cc", "cv", "", "topoff", "done"]

function clamp(v: number, lo: number, hi: number): number {
    return v < lo ? lo : v > hi ? hi : v
}

export interface Bq25756Regulation {
    /** The converter charges: EN_CHG, /CE low, not HIZ, input good, no fault, TS not cold/hot. */
    enabled: boolean
    chargeVoltage_V: number
    /** Fast-charge (CC) current. */
    chargeCurrent_A: number
    /** Precharge current (the CC current when precharge is disabled). */
    prechargeCurrent_A: number
    inputCurrent_A: number
    inputVoltageMin_V: number
    /** 0 when termination is disabled. */
    termCurrent_A: number
}

export interface Bq25756Measurement {
    vbus_V: number
    ibus_A: number
    vbat_V: number
    ibat_A: number
    dieTemp_C: number
    ts_pct: number
}

export class Bq25756Emulator implements I2cDevice {
    readonly address: number
    /** The board's FB divider: the charge voltage at VFB_REG = 1536 mV. */
    private nominal_V: number
    private acSense_mOhm: number
    /** Register bytes 0..0x62 (status and flags are computed when read). */
    regs: number[] = []
    private reset: number[] = []
    private writable: number[] = []
    private wdBits: number[] = []
    private defined: boolean[] = []
    private pointer = 0
    /** The /CE pin is low (charging allowed by hardware). */
    ceLow = true
    private hostMode = false
    private wdElapsed_s = 0
    private chargeStat = 0
    private tsStat = 0
    /** FAULT_STATUS bits set by fault injection and by measure(). */
    private injected = 0
    private measured = 0
    private lastFaults = 0
    private lastPg = true
    private flag1 = 0
    private flag2 = 0
    private faultFlag = 0

    constructor(address: number, nominalChargeVoltage_V: number, acSense_mOhm = 5) {
        this.address = address
        this.nominal_V = nominalChargeVoltage_V
        this.acSense_mOhm = acSense_mOhm
        for (let a = 0; a < SIZE; a++) {
            this.regs.push(0)
            this.reset.push(0)
            this.writable.push(0)
            this.wdBits.push(0)
            this.defined.push((a >= 0x21 && a <= 0x27) || (a >= 0x2d && a <= 0x34) || (a >= 0x37 && a <= 0x3a))
        }
        for (let i = 0; i < BYTES.length; i += 4) {
            const a = BYTES[i]
            this.reset[a] = BYTES[i + 1]
            this.writable[a] = BYTES[i + 2]
            this.wdBits[a] = BYTES[i + 3]
            this.defined[a] = true
        }
        this.resetRegisters()
    }

    /** Every control byte back to its reset value (power-on, REG_RST). */
    private resetRegisters(): void {
        for (let a = 0; a < SIZE; a++) if (this.writable[a] !== 0 || a === 0x3d) this.regs[a] = this.reset[a]
        this.wdElapsed_s = 0
    }

    transfer(write: number[], readLength: number): number[] {
        if (write.length > 0) this.pointer = write[0]
        for (let i = 1; i < write.length; i++) {
            this.writeByte(this.pointer, write[i])
            this.pointer++
        }
        if (write.length > 1 && !this.hostMode) {
            this.hostMode = true // any write leaves default mode and starts the watchdog
            this.wdElapsed_s = 0
        }
        const out: number[] = []
        for (let i = 0; i < readLength; i++) {
            out.push(this.readByte(this.pointer))
            this.pointer++
        }
        return out
    }

    private writeByte(a: number, v: number): void {
        if (a >= SIZE) return
        const m = this.writable[a]
        this.regs[a] = (this.regs[a] & ~m) | (v & m)
        if (a === 0x17 && (v & 0x20) !== 0) {
            this.wdElapsed_s = 0 // WD_RST
            this.regs[a] &= ~0x20
        }
        if (a === 0x19 && (v & 0x80) !== 0) this.resetRegisters() // REG_RST, self-clearing
        if (a === 0x1a) this.regs[a] &= 0x7f // FORCE_SWEEP: no MPPT model, the sweep is over at once
    }

    private readByte(a: number): number {
        if (a >= SIZE || !this.defined[a]) return 0xff
        let v = this.regs[a]
        if (a === 0x21) v = (this.hostMode ? 0 : 8) | this.chargeStat
        else if (a === 0x22) v = (this.powerGood() ? 0x80 : 0) | (this.tsStat << 4)
        else if (a === 0x23) v = 0
        else if (a === 0x24) v = this.faults()
        else if (a === 0x25) {
            v = this.flag1
            this.flag1 = 0
        } else if (a === 0x26) {
            v = this.flag2
            this.flag2 = 0
        } else if (a === 0x27) {
            v = this.faultFlag
            this.faultFlag = 0
        }
        return v
    }

    private faults(): number {
        return this.injected | this.measured
    }

    private powerGood(): boolean {
        return (this.faults() & 0xc0) === 0
    }

    private reg16(a: number): number {
        return this.regs[a] | (this.regs[a + 1] << 8)
    }

    private put16(a: number, v: number): void {
        this.regs[a] = v & 0xff
        this.regs[a + 1] = (v >> 8) & 0xff
    }

    /** Latch the fault and power-good flags on their edges. */
    private refresh(): void {
        const f = this.faults()
        this.faultFlag |= f & ~this.lastFaults
        this.lastFaults = f
        const pg = this.powerGood()
        if (pg !== this.lastPg) this.flag2 |= 0x80
        this.lastPg = pg
    }

    /** Time passes: the watchdog runs in host mode unless WATCHDOG = 00. */
    step(dt_s: number): void {
        const period = WD_PERIOD_S[(this.regs[0x15] >> 4) & 3]
        if (!this.hostMode || period === 0) return
        this.wdElapsed_s += dt_s
        if (this.wdElapsed_s < period) return
        this.hostMode = false
        this.flag1 |= 8
        for (let a = 0; a < SIZE; a++) {
            const m = this.wdBits[a]
            if (m !== 0) this.regs[a] = (this.regs[a] & ~m) | (this.reset[a] & m)
        }
        const c = this.regs[0x17]
        this.regs[0x17] = (c & 0xfe) | ((c >> 3) & 1) // EN_CHG takes EN_CHG_BIT_RESET_BEHAVIOR
    }

    /** What the plant should regulate to (limit codes clamped as the chip does). */
    regulation(): Bq25756Regulation {
        const r = this.regs
        const ichg = clamp((this.reg16(0x02) >> 2) & 0x1ff, 8, 400) * 0.05
        const ce = this.ceLow || (r[0x17] & 0x10) !== 0
        const ts = this.tsStat === 3 || this.tsStat === 4
        return {
            enabled: (r[0x17] & 1) !== 0 && (r[0x17] & 4) === 0 && ce && this.faults() === 0 && !ts,
            chargeVoltage_V: (this.nominal_V * (1504 + 2 * (r[0] & 0x1f))) / 1536,
            chargeCurrent_A: ichg,
            prechargeCurrent_A: (r[0x14] & 1) !== 0 ? clamp((this.reg16(0x10) >> 2) & 0xff, 5, 200) * 0.05 : ichg,
            inputCurrent_A: (clamp((this.reg16(0x06) >> 2) & 0x1ff, 8, 400) * 0.25) / this.acSense_mOhm,
            inputVoltageMin_V: clamp((this.reg16(0x08) >> 2) & 0xfff, 210, 3250) * 0.02,
            termCurrent_A: (r[0x14] & 8) !== 0 ? clamp((this.reg16(0x12) >> 2) & 0xff, 5, 200) * 0.05 : 0,
        }
    }

    /** The plant's measurements: fills the enabled ADC channels (when ADC_EN) and the measured protections. */
    measure(m: Bq25756Measurement): void {
        const dis = this.regs[0x2c]
        if ((this.regs[0x2b] & 0x80) !== 0) {
            // IAC: 4 uV across RAC_SNS per LSB, +-100 mV; IBAT: 2 mA; VAC/VBAT: 2 mV; TS: 100/1024 %; VFB: 1 mV
            if ((dis & 0x80) === 0) this.put16(0x2d, clamp(Math.round((m.ibus_A * this.acSense_mOhm) / 0.004), -25000, 25000) & 0xffff)
            if ((dis & 0x40) === 0) this.put16(0x2f, clamp(Math.round(m.ibat_A / 0.002), -10000, 10000) & 0xffff)
            if ((dis & 0x20) === 0) this.put16(0x31, clamp(Math.round(m.vbus_V / 0.002), 0, 0x7fff))
            if ((dis & 0x10) === 0) this.put16(0x33, clamp(Math.round(m.vbat_V / 0.002), 0, 0x7fff))
            if ((dis & 0x04) === 0) this.put16(0x37, clamp(Math.round((m.ts_pct * 1024) / 100), 0, 0x3ff))
            if ((dis & 0x02) === 0) this.put16(0x39, clamp(Math.round((m.vbat_V * 1536) / this.nominal_V), 0, 0x7ff))
        }
        let f = this.measured
        const vreg = this.regulation().chargeVoltage_V
        f = m.vbus_V < 4.2 ? f | 0x80 : f & ~0x80
        if (m.vbat_V >= vreg * 1.04) f |= 0x10
        else if (m.vbat_V <= vreg * 1.02) f &= ~0x10
        if (m.dieTemp_C >= 150) f |= 0x08
        else if (m.dieTemp_C < 135) f &= ~0x08
        this.measured = f
        this.refresh()
    }

    /** The plant's charge phase: "off" | "trickle" | "precharge" | "cc" | "cv" | "topoff" | "done". */
    setState(s: string): void {
        const c = STATE_NAMES.indexOf(s)
        if (c < 0 || s === "") throw new Error("BQ25756 emulator: unknown charge state '" + s + "'")
        if (c !== this.chargeStat) this.flag1 |= 1
        this.chargeStat = c
    }

    private inject(bit: number, on: boolean): void {
        this.injected = on ? this.injected | bit : this.injected & ~bit
        this.refresh()
    }

    setInputOverVoltage(on: boolean): void {
        this.inject(0x40, on)
    }

    setBatteryOverVoltage(on: boolean): void {
        this.inject(0x10, on)
    }

    setThermalShutdown(on: boolean): void {
        this.inject(0x08, on)
    }

    private setTs(code: number, on: boolean): void {
        const next = on ? code : this.tsStat === code ? 0 : this.tsStat
        if (next !== this.tsStat) this.flag2 |= 0x10
        this.tsStat = next
    }

    setTsCold(on: boolean): void {
        this.setTs(3, on)
    }

    setTsHot(on: boolean): void {
        this.setTs(4, on)
    }
}
