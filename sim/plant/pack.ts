// A series string of cells: OCV from the curve, one internal resistance each (the full equivalent
// circuit, temperature and ageing come with the estimator work). Current > 0 discharges.
import { ocvAt } from "./cell_curves"

export interface PackParams {
    chemistry: string
    series: number
    parallel: number
    /** Capacity of one cell, Ah. */
    cellCapacity_Ah: number
    /** Internal resistance of one cell, ohms. */
    cellR0_Ohm: number
    /** Initial state of charge of every cell, 0..1. */
    initialSoc: number
    /** Interconnects, fuse, shunt and pack FETs, ohms. */
    wiring_Ohm: number
}

export class Pack {
    readonly p: PackParams
    /** True SOC of each series group, 0..1 (parallel cells share one SOC). */
    soc: number[] = []
    /** Charge drawn out of the pack so far, coulombs (negative while charging). */
    throughput_C = 0
    /** Energy delivered at the terminals, joules. */
    energyOut_J = 0

    constructor(p: PackParams) {
        this.p = p
        for (let i = 0; i < p.series; i++) this.soc.push(p.initialSoc)
    }

    capacity_Ah(): number {
        return this.p.cellCapacity_Ah * this.p.parallel
    }

    ocv_V(): number {
        let v = 0
        for (const s of this.soc) v += ocvAt(this.p.chemistry, s)
        return v
    }

    resistance_Ohm(): number {
        return (this.p.cellR0_Ohm * this.p.series) / this.p.parallel + this.p.wiring_Ohm
    }

    terminal_V(current_A: number): number {
        return this.ocv_V() - current_A * this.resistance_Ohm()
    }

    /** Mean SOC of the series groups. */
    meanSoc(): number {
        let s = 0
        for (const x of this.soc) s += x
        return s / this.soc.length
    }

    step(dt_s: number, current_A: number): void {
        // Book the energy at the voltage the bus was solved with, before the charge moves.
        this.energyOut_J += this.terminal_V(current_A) * current_A * dt_s
        const dSoc = (current_A * dt_s) / 3600 / this.capacity_Ah()
        for (let i = 0; i < this.soc.length; i++) this.soc[i] = this.soc[i] - dSoc
        this.throughput_C += current_A * dt_s
    }
}
