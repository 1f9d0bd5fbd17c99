// AP33772S USB PD sink controller emulator, register level (the driver is src/drivers/ap33772s.ts). It
// stands between a PdSource (sim/plant/pd_source.ts) and the board: it negotiates, holds the contract and
// the VBUS switch, and reports VBUS, the protections and each request's result.
// Facts (shared docs/hardware-facts.md section 3.2; docs/charging.md; verify against DS46176): registers are
// little-endian; STATUS (0x01) clears on read: STARTED 0, READY 1, NEWPDO 2, UVP 3, OVP 4, OCP 5, OTP 6;
// SRCPDO (0x20) is 13 16-bit entries (b15 detect, b14 type, b13:10 current code, b9:8 peak or minimum-
// voltage code, b7:0 maximum voltage in 100 mV (SPR) or 200 mV (EPR)); PD_REQMSG (0x31) b15:12 position,
// b11:8 current code, b7:0 voltage; PD_MSGRLT (0x33) 1 success, 2 invalid, 3 unsupported, 4 failed;
// PD_CMDMSG (0x32) bit 0 hard reset; VOLTAGE 80 mV, CURRENT 24 mA, VREQ 50 mV, IREQ 10 mA;
// SYSTEM (0x06) bits 1:0: 0 switch under the chip's control, 1 forced off, 2 forced on.
// Modelled behaviour (the chip's, as documented and as PD requires; timings are typical, not datasheet):
// at attach it takes 5 V from object 1; a PPS / AVS contract not re-requested within PPS_TIMEOUT_s makes
// the source hard-reset (VBUS off for HARD_RESET_s, then 5 V again); new source capabilities set NEWPDO
// and keep the contract if it is still offered (else 5 V); UVP opens the switch below 80 % of the contract.
import { I2cDevice } from "./emulated_bus"
import { Offer } from "../../src/core/charging/pdo"
import { PdSource } from "../plant/pd_source"

const STARTED = 0x01
const READY = 0x02
const NEWPDO = 0x04
const UVP = 0x08
export const PPS_TIMEOUT_s = 12
export const HARD_RESET_s = 0.5
const UVP_FRACTION = 0.8

/** The 16-bit SRCPDO entry for an offer (what the chip shows the firmware). */
export function encodeSrcPdo(o: Offer): number {
    if (!o) return 0
    const epr = o.position >= 8
    const code = Math.max(0, Math.min(15, Math.floor((o.max_mA - 1000) / 250)))
    const vmax = Math.round(o.max_mV / (epr ? 200 : 100)) & 0xff
    if (o.kind === "fixed") return 0x8000 | (code << 10) | vmax
    const vminCode = epr ? (o.min_mV <= 15000 ? 1 : 2) : o.min_mV <= 3300 ? 1 : 2
    return 0x8000 | 0x4000 | (code << 10) | (vminCode << 8) | vmax
}

export class Ap33772sEmulator implements I2cDevice {
    readonly address: number
    source: PdSource = undefined
    private status = 0
    private system = 0
    private msgResult = 0
    private pointer = 0
    /** The contract: object position, kind, voltage (mV) and current (mA); position 0 when none. */
    position = 0
    kind = ""
    contract_mV = 0
    contract_mA = 0
    private offered: Offer[] = []
    private sinceRequest_s = 0
    private resetLeft_s = 0
    private t_s = 0
    /** What VBUS and its current read now (set by the board each step), and the die temperature. */
    vbus_V = 0
    ibus_A = 0
    temp_C = 30
    /** The source's PPS / AVS timeout (the live simulator stretches it with the sim link's slow ticks). */
    ppsTimeout_s = PPS_TIMEOUT_s
    /** Counters for the tests and the benchmark. */
    hardResets = 0
    requests = 0

    constructor(address: number) {
        this.address = address
    }

    /** The VBUS switch is closed (power flows to the charger). */
    switchClosed(): boolean {
        if (this.system === 1 || this.position === 0 || this.resetLeft_s > 0) return false
        return (this.status & UVP) === 0 || this.system === 2
    }

    attach(s: PdSource): void {
        this.source = s
        this.offered = s.offers(this.t_s)
        this.status |= STARTED | READY | NEWPDO
        this.takeSafe5V()
    }

    detach(): void {
        this.source = undefined
        this.offered = []
        this.position = 0
        this.contract_mV = 0
        this.contract_mA = 0
        this.status = 0
    }

    private takeSafe5V(): void {
        const o = this.offered[0]
        this.position = o ? 1 : 0
        this.kind = o ? o.kind : ""
        this.contract_mV = o ? o.max_mV : 0
        this.contract_mA = o ? o.max_mA : 0
        this.sinceRequest_s = 0
        this.status &= ~UVP
    }

    private hardReset(): void {
        this.hardResets++
        this.resetLeft_s = HARD_RESET_s
        this.position = 0
    }

    /** Advance time: source changes, dropouts, the PPS timeout, UVP. `load_A` is what the board draws from VBUS. */
    step(dt_s: number, load_A: number): void {
        this.t_s += dt_s
        const s = this.source
        if (!s) {
            this.vbus_V = 0
            this.ibus_A = 0
            return
        }
        if (!s.present(this.t_s)) {
            if (this.position !== 0 || this.resetLeft_s > 0) this.status = 0
            this.position = 0
            this.resetLeft_s = 0
            this.vbus_V = 0
            this.ibus_A = 0
            return
        }
        if (this.position === 0 && this.resetLeft_s <= 0) {
            // Back (after a drop-out): a fresh attach.
            this.offered = s.offers(this.t_s)
            this.status |= STARTED | READY | NEWPDO
            this.takeSafe5V()
        }
        if (this.resetLeft_s > 0) {
            this.resetLeft_s -= dt_s
            this.vbus_V = 0
            this.ibus_A = 0
            if (this.resetLeft_s <= 0) {
                this.offered = s.offers(this.t_s)
                this.status |= STARTED | READY | NEWPDO
                this.takeSafe5V()
            }
            return
        }
        const now = s.offers(this.t_s)
        if (JSON.stringify(now) !== JSON.stringify(this.offered)) {
            // New capabilities: the chip keeps the contract if it is still offered (clipped), else 5 V.
            this.offered = now
            this.status |= NEWPDO
            const o = now[this.position - 1]
            if (!o || o.kind !== this.kind || this.contract_mV < o.min_mV || this.contract_mV > o.max_mV) this.takeSafe5V()
            else this.contract_mA = Math.min(this.contract_mA, o.max_mA)
        }
        this.sinceRequest_s += dt_s
        if ((this.kind === "pps" || this.kind === "avs") && this.sinceRequest_s > this.ppsTimeout_s) {
            this.hardReset()
            return
        }
        const closed = this.switchClosed()
        const i = closed ? load_A : 0
        this.vbus_V = s.vbus_V(this.contract_mV, i, this.t_s)
        this.ibus_A = i
        if (closed && this.vbus_V < (UVP_FRACTION * this.contract_mV) / 1000) this.status |= UVP
    }

    /** A request from the firmware: checked as the chip and the source would. */
    private request(w: number): void {
        this.requests++
        const pos = w >> 12
        const o = this.offered[pos - 1]
        if (!o) {
            this.msgResult = 2
            return
        }
        const code = (w >> 8) & 0xf
        const mA = 1000 + 250 * code
        const v = w & 0xff
        const mV = o.kind === "fixed" ? o.max_mV : v * (o.kind === "avs" ? 200 : 100)
        if (mV < o.min_mV || mV > o.max_mV || mA > o.max_mA + 249) {
            this.msgResult = 2
            return
        }
        this.position = pos
        this.kind = o.kind
        this.contract_mV = mV
        this.contract_mA = Math.min(mA, o.max_mA)
        this.sinceRequest_s = 0
        this.status &= ~UVP
        this.msgResult = 1
    }

    private reg(r: number): number[] {
        if (r === 0x01) {
            const v = this.status
            this.status = 0
            return [v]
        }
        if (r === 0x06) return [this.system]
        if (r === 0x11) {
            const c = Math.round((this.vbus_V * 1000) / 80)
            return [c & 0xff, (c >> 8) & 0xff]
        }
        if (r === 0x12) return [Math.min(255, Math.round((this.ibus_A * 1000) / 24))]
        if (r === 0x13) return [Math.round(this.temp_C) & 0xff]
        if (r === 0x14) return [(this.contract_mV / 50) & 0xff, ((this.contract_mV / 50) >> 8) & 0xff]
        if (r === 0x15) return [(this.contract_mA / 10) & 0xff, ((this.contract_mA / 10) >> 8) & 0xff]
        if (r === 0x20) {
            const out: number[] = []
            for (let i = 0; i < 13; i++) {
                const e = encodeSrcPdo(this.offered[i])
                out.push(e & 0xff, e >> 8)
            }
            return out
        }
        if (r === 0x33) return [this.msgResult]
        return [0]
    }

    transfer(write: number[], readLength: number): number[] {
        if (write.length > 0) this.pointer = write[0]
        if (write.length >= 3 && this.pointer === 0x31) this.request(write[1] | (write[2] << 8))
        else if (write.length >= 2 && this.pointer === 0x32 && (write[1] & 1) !== 0) this.hardReset()
        else if (write.length >= 2 && this.pointer === 0x06) this.system = write[1] & 3
        if (readLength === 0) return []
        const bytes = this.reg(this.pointer)
        const out: number[] = []
        for (let i = 0; i < readLength; i++) out.push(i < bytes.length ? bytes[i] : 0)
        return out
    }
}
