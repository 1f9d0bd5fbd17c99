// The pack state the charging controller needs, taken from the plant's truth. Used where the battery
// estimator is not yet in the loop (bench:charge, the Node loop spec): said so wherever it is used.
import { Plant } from "./plant"
import { PackState } from "../../src/core/charging/charge_controller"

/** Follows rest: the pack counts as at rest after `rest_s` with less than 50 mA (it starts rested). */
export class PackTruth {
    private quietSince_s: number
    rest_s: number
    constructor(rest_s: number) {
        this.rest_s = rest_s
        this.quietSince_s = -rest_s
    }
    state(plant: Plant, t_s: number, series: number, lastFull_ms: number): PackState {
        const p = plant.pack
        if (Math.abs(plant.packCurrent_A) > 0.05) this.quietSince_s = t_s
        const cell_mV: number[] = []
        const cellSoc: number[] = []
        const cellCapacity_mAh: number[] = []
        let cmax = 0
        for (let i = 0; i < series; i++) {
            const v = p.cellVoltage_V(i) * 1000
            cell_mV.push(v)
            if (v > cmax) cmax = v
            cellSoc.push(p.cellSoc(i))
            cellCapacity_mAh.push(p.cellCapacity_Ah(i) * 1000)
        }
        let cap = 0
        for (const c of cellCapacity_mAh) cap = cap === 0 || c < cap ? c : cap
        return {
            series, capacity_mAh: cap, soc_pm: Math.round(p.trueSoc() * 1000), cellMax_mV: cmax, temp_C: p.temperature_C, lastFull_ms,
            cell_mV, cellSoc, cellCapacity_mAh, cellSigma: [], atRest: t_s - this.quietSince_s >= this.rest_s, boardTemp_C: plant.ambient_C + 5,
        }
    }
}
