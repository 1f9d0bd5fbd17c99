// One output channel's power path: pack bus -> switch (eFuse) -> shunt -> connector -> load.
// The INA228 measures the shunt current and the bus voltage at the load side of the shunt.
import { LoadSpec, noLoad } from "./load"

export interface OutputPathParams {
    /** On-resistance of the switch (eFuse), ohms. */
    switch_Ohm: number
    shunt_Ohm: number
    /** Cable and connector to the load, ohms. */
    cable_Ohm: number
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
        if (!this.switchClosed) return 0
        const e0 = e - otherCurrent_A * rSource
        const r = rSource + this.seriesOhm()
        if (!(e0 > 0)) return 0
        const l = this.load
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
            const i = r > 0 ? (e0 - Math.sqrt(disc)) / (2 * r) : l.watts / e0
            return e0 - i * r >= vMin ? i : 0
        }
        return 0
    }

    /** Fix the operating point for this step given the bus voltage, and integrate the truth. */
    settle(busVoltage_V: number, current_A: number, dt_s: number): void {
        this.current_A = this.switchClosed ? current_A : 0
        this.meterVoltage_V = this.switchClosed ? busVoltage_V - this.current_A * (this.p.switch_Ohm + this.p.shunt_Ohm) : 0
        this.loadVoltage_V = this.meterVoltage_V - this.current_A * this.p.cable_Ohm
        this.meteredEnergy_J += this.meterVoltage_V * this.current_A * dt_s
        this.meteredCharge_C += this.current_A * dt_s
    }
}
