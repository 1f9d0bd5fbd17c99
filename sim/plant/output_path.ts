// One output channel's power path: pack bus -> switch (eFuse) -> shunt -> connector -> load.
// The INA228 measures the shunt current and the bus voltage at the load side of the shunt.
import { LoadSpec, loadCurrent_A, noLoad } from "./load"

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
     * Current this path draws from a source of EMF `e` with source resistance `rSource` (shared with the
     * other channels through `otherCurrent_A`). Solves i = load(e - (i + other)*rS - i*rPath) by bisection:
     * robust for every load type, 40 halvings give sub-µA resolution.
     */
    solve(e: number, rSource: number, otherCurrent_A: number): number {
        if (!this.switchClosed) return 0
        const rPath = this.seriesOhm()
        let hi = e / (rSource + rPath)
        if (!(hi > 0)) return 0
        let lo = 0
        for (let k = 0; k < 40; k++) {
            const mid = (lo + hi) / 2
            const v = e - (mid + otherCurrent_A) * rSource - mid * rPath
            if (loadCurrent_A(this.load, v) > mid) lo = mid
            else hi = mid
        }
        return (lo + hi) / 2
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
