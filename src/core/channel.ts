// One output channel: its meter, its enable line and the state machine between them.
//   off --enable--> on --over-current (hardware ALERT latch or firmware backup)--> tripped --enable--> on
//   any --meter lost--> fault --meter back--> off (the user switches on again)
//   any --a protection holds it--> fault --released--> off (the user switches on again)
// The enable line is only driven high in "on"; every other state drives it low.
import { ChannelConfig } from "./box_config"
import { DigitalOut } from "./io"
import { Ina228, Ina228Reading, INA228_DIAG } from "../drivers/ina228"
import { ChannelSnapshot } from "./snapshot"
import { ChannelReading } from "./protection/protector"
import { fmtAmps } from "./fmt"
import { errorText } from "./persist"

/** Meter read-back period, in polls (50 x 100 ms = 5 s). */
const VERIFY_POLLS = 50

export type EventSink = (channel: number, kind: string, state: string, message: string) => void

export class ChannelControl {
    readonly index: number
    readonly cfg: ChannelConfig
    readonly meter: Ina228
    private enable: DigitalOut
    private emit: EventSink
    state = "off"
    reason = "off at boot"
    requested = false
    limit_mA: number
    private meterReady = false
    private failures = 0
    private overTicks = 0
    private nextRetry_ms = 0
    private last: Ina228Reading = undefined
    private lastGood_ms = -1
    private fresh = false
    /** Set by the supervisor: time to empty for this output alone. */
    runtime_s = -1
    /** Non-empty while a protection holds this output off (the fault's sentence). */
    holdReason = ""
    /**
     * Meter readings since the switch last changed: the first reading after a change may still describe
     * the old state (a conversion window straddles the edge), so the protections wait for two. At boot the
     * switch has been off since reset, so the first reading counts.
     */
    private readsSinceSwitch = 1
    /** Polls since the meter's registers were last read back (its trip must match the limit). */
    private sinceVerify = 0

    constructor(index: number, cfg: ChannelConfig, meter: Ina228, enable: DigitalOut, limit_mA: number, emit: EventSink) {
        this.index = index
        this.cfg = cfg
        this.meter = meter
        this.enable = enable
        this.limit_mA = limit_mA
        this.emit = emit
        enable.write(false)
    }

    private go(state: string, reason: string): void {
        if ((state === "on") !== (this.state === "on")) this.readsSinceSwitch = 0
        this.enable.write(state === "on")
        const changed = state !== this.state || reason !== this.reason
        this.state = state
        this.reason = reason
        if (changed) this.emit(this.index, "state", state, reason)
    }

    /** Probe, configure and arm the meter. Outputs stay off whatever happens here. */
    async init(now_ms: number, retry_ms: number): Promise<void> {
        try {
            await this.meter.probe()
            await this.meter.configure()
            await this.meter.setAlertLimit(this.limit_mA)
            await this.meter.readDiag() // release anything latched before we owned the chip
            this.meterReady = true
            this.failures = 0
            if (this.holdReason !== "") this.go("fault", "protection: " + this.holdReason)
            else this.go("off", this.state === "fault" ? "meter recovered; switch on when ready" : "ready")
        } catch (e) {
            this.meterReady = false
            this.nextRetry_ms = now_ms + retry_ms
            this.go("fault", "meter: " + errorText(e))
        }
    }

    /** Stateful check of a command that already passed validation. */
    refusal(on: boolean): string {
        if (on && this.holdReason !== "") return this.cfg.name + " is held off by a protection (" + this.holdReason + ")"
        if (on && this.state === "fault") return this.cfg.name + " is in fault (" + this.reason + "); it cannot be switched on until the fault clears"
        return ""
    }

    async applyEnable(on: boolean): Promise<void> {
        if (!on) {
            this.requested = false
            if (this.state !== "fault") this.go("off", "switched off by user")
            return
        }
        if (this.state === "fault" || this.holdReason !== "") return
        if (this.state === "on") {
            // Already on: a repeated "on" must not re-arm (and so hide) a trip the hardware latch just took.
            try {
                const diag = await this.meter.readDiag()
                if ((diag & INA228_DIAG.SHNTOL) !== 0) this.trip("over-current above " + fmtAmps(this.limit_mA) + " (meter ALERT)")
            } catch (e) {
                this.meterReady = false
                this.go("fault", "meter: " + errorText(e))
            }
            return
        }
        try {
            // Re-arm the trip before closing the switch: read-back verified, latch released.
            await this.meter.setAlertLimit(this.limit_mA)
            await this.meter.readDiag()
            this.requested = true
            this.overTicks = 0
            this.go("on", "switched on by user")
        } catch (e) {
            this.requested = false
            this.meterReady = false
            this.go("fault", "meter: " + errorText(e))
        }
    }

    async applyLimit(limit_mA: number): Promise<void> {
        this.limit_mA = limit_mA
        if (!this.meterReady) return
        try {
            await this.meter.setAlertLimit(limit_mA)
        } catch (e) {
            this.meterReady = false
            this.go("fault", "meter: " + errorText(e))
        }
    }

    /** One supervisor period: read, judge, drive. Never throws. */
    async poll(now_ms: number, failLimit: number, overTicksLimit: number, retry_ms: number): Promise<void> {
        if (!this.meterReady) {
            if (now_ms >= this.nextRetry_ms) await this.init(now_ms, retry_ms)
            return
        }
        let r: Ina228Reading
        try {
            r = await this.meter.read()
        } catch (e) {
            this.fresh = false
            this.failures++
            if (this.failures >= failLimit) {
                this.meterReady = false
                this.requested = false
                this.nextRetry_ms = now_ms + retry_ms
                this.go("fault", "meter not responding (" + errorText(e) + ")")
            }
            return
        }
        this.failures = 0
        this.last = r
        this.lastGood_ms = now_ms
        this.fresh = true
        this.readsSinceSwitch++
        // Every VERIFY_POLLS the meter's configuration and trip limit are read back: a chip that was reset
        // (brown-out) or changed would no longer trip at the user's limit.
        if (++this.sinceVerify >= VERIFY_POLLS) {
            this.sinceVerify = 0
            try {
                await this.meter.verify()
            } catch (e) {
                this.meterReady = false
                this.requested = false
                this.nextRetry_ms = now_ms
                this.go("fault", "meter registers read back wrong (" + errorText(e) + "); reconfiguring")
                return
            }
        }
        if (this.state !== "on") return
        if ((r.diag & INA228_DIAG.SHNTOL) !== 0) {
            // The meter's latched flag: the hardware latch has normally opened the switch already.
            this.trip("over-current above " + fmtAmps(this.limit_mA) + " (meter ALERT)")
            return
        }
        if (r.current_mA > this.limit_mA) this.overTicks++
        else this.overTicks = 0
        if (this.overTicks >= overTicksLimit) this.trip("over-current " + fmtAmps(r.current_mA) + " > limit " + fmtAmps(this.limit_mA) + " (firmware check)")
    }

    /** A protection holds the output off: the switch opens now, whatever the state. */
    hold(reason: string): void {
        this.holdReason = reason
        this.requested = false
        this.go("fault", "protection: " + reason)
    }

    /** The protection let go: back to off (never on by itself); a lost meter keeps its own fault. */
    release(): void {
        if (this.holdReason === "") return
        const why = this.holdReason
        this.holdReason = ""
        if (this.meterReady) this.go("off", "protection cleared (" + why + "); switch on when ready")
    }

    private trip(reason: string): void {
        this.requested = false
        this.overTicks = 0
        this.go("tripped", reason)
    }

    /** Charge the meter has counted (C, since its last reset), or NaN while the reading is stale. */
    charge_C(): number {
        return this.fresh && this.last ? this.last.charge_C : NaN
    }

    /** Present output power, W (0 when unknown). */
    power_W(): number {
        return this.fresh && this.last ? this.last.power_mW / 1000 : 0
    }

    /** What the protections judge: the latest reading, counted fresh only once it describes the present switch state. */
    protectionReading(): ChannelReading {
        const r = this.last
        const ok = r !== undefined
        return {
            on: this.state === "on",
            fresh: ok && this.fresh && this.readsSinceSwitch >= 2,
            voltage_mV: ok ? r.busVoltage_mV : 0,
            current_mA: ok ? r.current_mA : 0,
            dieTemp_C: ok ? r.dieTemp_C : 0,
        }
    }

    snapshot(now_ms: number): ChannelSnapshot {
        const r = this.last
        return {
            index: this.index,
            name: this.cfg.name,
            state: this.state,
            reason: this.reason,
            requested: this.requested,
            enableDriven: this.state === "on",
            voltage_mV: r ? Math.round(r.busVoltage_mV) : 0,
            current_mA: r ? Math.round(r.current_mA) : 0,
            power_mW: r ? Math.round(r.power_mW) : 0,
            energy_mWh: r ? Math.round(r.energy_J / 3.6) : 0,
            charge_mAh: r ? Math.round(r.charge_C / 3.6) : 0,
            limit_mA: this.limit_mA,
            rated_mA: this.cfg.rated_mA,
            dieTemp_dC: r ? Math.round(r.dieTemp_C * 10) : 0,
            fresh: this.fresh,
            age_ms: this.lastGood_ms < 0 ? -1 : now_ms - this.lastGood_ms,
            runtime_s: this.runtime_s,
        }
    }
}
