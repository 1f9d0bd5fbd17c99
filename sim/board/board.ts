// The emulated circuit board around the MCU: the chips on the I2C bus, the output-enable lines, the
// per-channel hardware trip latch, the external watchdog and the AFE's CHG/DSG FETs and ALERT line. Portable: it runs next to the firmware in
// the VM (live simulator) and in Node (scenario runner, tests).
import { EmulatedBus } from "../emulators/emulated_bus"
import { Ina228Emulator } from "../emulators/ina228"
import { Bq76907Emulator } from "../emulators/bq76907"
import { Tps55289Emulator } from "../emulators/tps55289"
import { DigitalOut } from "../../src/core/io"

export interface BoardChannelParams {
    /** INA228 address on the bus. */
    meterAddress: number
    shunt_Ohm: number
    /** The USB-C converter's address (0: none). */
    converterAddress?: number
}

export interface BoardAfeParams {
    address: number
    /** Cell groups wired to the AFE. */
    cells: number
    shunt_Ohm: number
    seed: number
}

export interface BoardParams {
    channels: BoardChannelParams[]
    /** The pack monitor (AFE); absent on a board without one. */
    afe?: BoardAfeParams
    /** External watchdog timeout: outputs drop when the heartbeat stops toggling this long. */
    watchdogTimeout_s: number
    /** False models a board whose ALERT-to-enable latch is missing or broken (tests the firmware backup). */
    tripLatchFitted?: boolean
}

/** What the plant tells the board about the pack. */
export interface PackPhysics {
    cell_V: number[]
    /** Through the pack shunt, positive = discharge. */
    current_A: number
    /** Cell (thermistor) and AFE die temperatures. */
    temp_C: number
    dieTemp_C: number
}

/** What the plant tells the board about one channel. */
export interface ChannelPhysics {
    current_A: number
    busVoltage_V: number
    dieTemp_C: number
}

class Line implements DigitalOut {
    level = false
    edges = 0
    write(high: boolean): void {
        if (high !== this.level) this.edges++
        this.level = high
    }
}

export class Board {
    readonly bus = new EmulatedBus()
    readonly meters: Ina228Emulator[] = []
    /** Each channel's TPS55289, undefined where there is none. */
    readonly converters: Tps55289Emulator[] = []
    readonly afe: Bq76907Emulator = undefined
    private enables: Line[] = []
    private heartbeat = new Line()
    /** Hardware latch between each INA228 ALERT and its channel enable. */
    latched: boolean[] = []
    /** Fault injection: a power switch welded closed, whatever its enable, latch and the watchdog say. */
    stuckClosed: boolean[] = []
    /** Counts of hardware trips per channel (for benchmarks and the view). */
    trips: number[] = []
    readonly watchdogTimeout_s: number
    /** Whether the ALERT-to-enable hardware latch is fitted (tests may remove it). */
    tripLatchFitted: boolean
    time_s = 0
    private lastHeartbeatEdges = 0
    private lastHeartbeat_s = 0
    watchdogExpired = false

    constructor(p: BoardParams) {
        this.watchdogTimeout_s = p.watchdogTimeout_s
        this.tripLatchFitted = p.tripLatchFitted !== false
        if (p.afe) {
            // A production box: the AFE's OTP enables autonomous FET control, so the pack powers the box from the
            // start (a blank part waits for the firmware; the firmware's configure() enables it either way).
            this.afe = new Bq76907Emulator(p.afe.address, p.afe.cells, p.afe.shunt_Ohm, { seed: p.afe.seed, fetEnabledAtPowerUp: true })
            this.bus.attach(this.afe)
        }
        for (const c of p.channels) {
            const m = new Ina228Emulator(c.meterAddress, c.shunt_Ohm)
            this.bus.attach(m)
            const conv = c.converterAddress > 0 ? new Tps55289Emulator(c.converterAddress, c.shunt_Ohm) : undefined
            if (conv) this.bus.attach(conv)
            this.converters.push(conv)
            this.meters.push(m)
            this.enables.push(new Line())
            this.latched.push(false)
            this.trips.push(0)
        }
    }

    channelCount(): number {
        return this.meters.length
    }

    enablePin(channel: number): DigitalOut {
        return this.enables[channel]
    }

    heartbeatPin(): DigitalOut {
        return this.heartbeat
    }

    /** The MCU's requested level on a channel enable. */
    enableLevel(channel: number): boolean {
        return this.enables[channel].level
    }

    /** Whether the channel's power switch conducts: enable AND no hardware trip AND watchdog alive. */
    switchClosed(channel: number): boolean {
        if (this.stuckClosed[channel]) return true
        return this.enables[channel].level && !this.latched[channel] && !this.watchdogExpired
    }

    /** The AFE's ALERT line (false on a board without an AFE). */
    afeAlert(): boolean {
        return this.afe ? this.afe.alertAsserted() : false
    }

    /** Feed the plant's state to the chips and advance board time. */
    step(dt_s: number, physics: ChannelPhysics[], pack?: PackPhysics): void {
        this.time_s += dt_s
        if (this.afe && pack) {
            this.afe.setInputs(pack.cell_V, pack.current_A, pack.dieTemp_C, pack.temp_C)
            this.afe.step(dt_s)
        }
        for (let i = 0; i < this.meters.length; i++) {
            const p = physics[i]
            const m = this.meters[i]
            m.setInputs(p.current_A, p.busVoltage_V, p.dieTemp_C)
            m.step(dt_s)
            this.updateLatch(i)
        }
        this.updateWatchdog()
    }

    private updateLatch(i: number): void {
        const alert = this.meters[i].alertAsserted()
        if (alert && this.tripLatchFitted && this.enables[i].level && !this.latched[i]) {
            this.latched[i] = true
            this.trips[i]++
        }
        // The MCU releases the latch by driving the enable low once the ALERT has been cleared.
        if (this.latched[i] && !this.enables[i].level && !alert) this.latched[i] = false
    }

    private updateWatchdog(): void {
        const edges = this.heartbeat.edges
        if (edges !== this.lastHeartbeatEdges) {
            this.lastHeartbeatEdges = edges
            this.lastHeartbeat_s = this.time_s
            this.watchdogExpired = false
        } else if (this.time_s - this.lastHeartbeat_s > this.watchdogTimeout_s) {
            this.watchdogExpired = true
        }
    }
}
