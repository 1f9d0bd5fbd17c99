// One output channel's power path: pack bus -> [regulated stage] -> switch (eFuse) -> shunt -> connector -> load.
// The INA228 measures the shunt current and the bus voltage at the load side of the shunt.
// Stages: "direct" (the pack bus itself, the default), "fixed" (a 5 V or 12 V regulator) or "converter" (the
// USB-C TPS55289: its voltage and current limit come from the chip's registers every step). A regulated
// stage holds its voltage and takes P_out / efficiency from the bus (a constant-power load on the pack); a
// converter holds its current limit (constant current, the voltage falls). An eFuse limits the current it
// passes at its R_ILIM setting and, on a short (2 x that), trips within the step and stays off until its
// enable goes low (latch-off).
import { DeviceLoad, LoadSpec, loadAt, noLoad } from "./load"

export interface OutputPathParams {
    /** On-resistance of the switch (eFuse), ohms. */
    switch_Ohm: number
    shunt_Ohm: number
    /** Cable and connector to the load, ohms. */
    cable_Ohm: number
    /** "direct" (default), "fixed" or "converter". */
    stage?: string
    /** A fixed stage's voltage, V. */
    stage_V?: number
    /** Stage efficiency at this load (buck 5 V: 0.92; 12 V buck-boost and USB-C converter: 0.94). */
    efficiency?: number
    /** eFuse active current limit (R_ILIM), A; its fast trip is at twice this. None on a converter. */
    efuseLimit_A?: number
    /** What a PD sink is told it may take on this port (USB-A: 2.4 A; USB-C: the converter's limit). */
    advertised_A?: number
}

export class OutputPath {
    readonly p: OutputPathParams
    load: LoadSpec = noLoad()
    switchClosed = false
    /** Solved state of the last step. */
    current_A = 0
    /** Voltage at the meter's VBUS pin (after the shunt). */
    meterVoltage_V = 0
    /** Voltage at the load. */
    loadVoltage_V = 0
    /** Energy through the meter point, joules: the truth the INA228's accumulator should match. */
    meteredEnergy_J = 0
    meteredCharge_C = 0
    /** Seconds since the load was plugged in (devices run their own cycles). */
    loadTime_s = 0
    /** Converter state from its registers (set every step by the world). */
    convTarget_V = 0
    convLimit_A = Infinity
    /** The eFuse tripped (latched off until its enable goes low); counts of such trips. */
    efuseTripped = false
    efuseTrips = 0
    /** This step: the stage or eFuse held the current (constant current), and the output was shorted. */
    limiting = false
    shorted = false
    /** Output side current of a regulated stage this step (the bus side is what solve() returns). */
    private out_A = 0
    private outV_V = 0

    constructor(p: OutputPathParams) {
        this.p = p
    }

    private seriesOhm(): number {
        return this.p.switch_Ohm + this.p.shunt_Ohm + this.p.cable_Ohm
    }

    /**
     * Current this path draws from a source of EMF `e` with resistance `rSource`, which the other channels
     * load with `otherCurrent_A`. The voltage the load sees is v = e0 - i*r with e0 = e - other*rS and
     * r = rS + rPath; each load type then has a closed form (no iteration: cheap on the VM).
     */
    solve(e: number, rSource: number, otherCurrent_A: number): number {
        if (!this.switchClosed || this.efuseTripped) return 0
        const e0 = e - otherCurrent_A * rSource
        if (this.p.stage === "fixed" || this.p.stage === "converter") return this.solveRegulated(e0, rSource)
        return this.solveAt(e0, rSource + this.seriesOhm(), this.basicLoad(e0))
    }

    /** The device's draw now, as a basic load (time-varying devices, PD sinks capped at the advertised current). */
    private basicLoad(v_V: number): LoadSpec {
        const l = this.load as DeviceLoad
        if (l.type === "pd_sink") l.maxAmps = this.p.stage === "converter" ? this.convLimit_A : this.p.advertised_A
        return loadAt(l, this.loadTime_s, v_V)
    }

    /** The stage's output (its voltage, the eFuse or converter limit), then what that takes from the bus. */
    private solveRegulated(e0: number, rBus: number): number {
        const conv = this.p.stage === "converter"
        const v = conv ? this.convTarget_V : this.p.stage_V
        // Below ~3 V the stage's own supply fails (undervoltage lockout).
        if (!(e0 > 3) || !(v > 0)) {
            this.out_A = 0
            return 0
        }
        const l = this.basicLoad(v)
        let i = this.solveAt(v, this.seriesOhm(), l)
        const lim = conv ? this.convLimit_A : this.p.efuseLimit_A !== undefined ? this.p.efuseLimit_A : Infinity
        // The demand at the set voltage; a short asks for far more than the limit.
        const demand = l.type === "resistive" ? v / (l.ohms + this.seriesOhm()) : i
        this.limiting = false
        this.shorted = false
        this.outV_V = v
        if (!conv && this.p.efuseLimit_A !== undefined && demand > 2 * this.p.efuseLimit_A) {
            this.efuseTripped = true
            this.efuseTrips++
            this.out_A = 0
            return 0
        }
        if (demand > lim) {
            // Constant current: the voltage falls to what the load takes at the limit.
            i = lim
            this.limiting = true
            this.outV_V = l.type === "resistive" ? i * (l.ohms + this.seriesOhm()) : l.type === "constant_power" ? l.watts / i + i * this.seriesOhm() : v
            this.shorted = this.outV_V < 1
        }
        this.out_A = i
        const pIn = (this.outV_V * i) / (this.p.efficiency !== undefined ? this.p.efficiency : 1)
        if (pIn <= 0) return 0
        if (!(rBus > 0)) return pIn / e0
        const disc = e0 * e0 - 4 * rBus * pIn
        if (disc < 0) {
            this.out_A = 0
            return 0 // the pack cannot give that much: the stage browns out
        }
        return (e0 - Math.sqrt(disc)) / (2 * rBus)
    }

    /** A basic load against EMF e0 behind resistance r (closed forms). */
    private solveAt(e0: number, r: number, l: LoadSpec): number {
        if (!(e0 > 0)) return 0
        const vMin = l.minVoltage_V !== undefined ? l.minVoltage_V : 1
        if (l.type === "resistive") return l.ohms > 0 ? e0 / (l.ohms + r) : 0
        if (l.type === "constant_current") {
            const i = l.amps
            return e0 - i * r >= vMin ? i : 0
        }
        if (l.type === "constant_power") {
            // i*(e0 - i*r) = P  ->  the smaller root is the stable operating point.
            const disc = e0 * e0 - 4 * r * l.watts
            if (disc < 0) return 0 // the source cannot deliver P: the load's converter drops out
            let i = r > 0 ? (e0 - Math.sqrt(disc)) / (2 * r) : l.watts / e0
            // A PD sink stops at the current it may take (and so takes less power).
            const cap = (l as DeviceLoad).maxAmps
            if (cap !== undefined && i > cap) i = cap
            return e0 - i * r >= vMin ? i : 0
        }
        return 0
    }

    /** Fix the operating point for this step given the bus voltage, and integrate the truth. */
    settle(busVoltage_V: number, current_A: number, dt_s: number): void {
        this.loadTime_s += dt_s
        const regulated = this.p.stage === "fixed" || this.p.stage === "converter"
        const on = this.switchClosed && !this.efuseTripped
        if (regulated) {
            // The meter is on the stage's output side: it sees the output current, not the bus current.
            this.current_A = on && current_A > 0 ? this.out_A : 0
            this.meterVoltage_V = this.current_A > 0 || (on && busVoltage_V > 3) ? this.outV_V - this.current_A * (this.p.switch_Ohm + this.p.shunt_Ohm) : 0
        } else {
            this.current_A = on ? current_A : 0
            this.meterVoltage_V = on ? busVoltage_V - this.current_A * (this.p.switch_Ohm + this.p.shunt_Ohm) : 0
        }
        this.loadVoltage_V = this.meterVoltage_V - this.current_A * this.p.cable_Ohm
        this.meteredEnergy_J += this.meterVoltage_V * this.current_A * dt_s
        this.meteredCharge_C += this.current_A * dt_s
    }
}
