// Writes the state-of-charge benchmark scenarios (sim/scenarios/soc/*.json). They share a few usage
// profiles; the files are committed, so this only needs running after a change here:
//   npx ts-node --transpile-only tools/gen_soc_scenarios.ts
import * as fs from "fs"
import * as path from "path"

const H = 3600
const OUT = path.join(__dirname, "..", "sim", "scenarios", "soc")

type Ev = { [k: string]: any }

class Profile {
    events: Ev[] = []
    t = 0
    series: number
    cv_V: number
    cutoff_V: number
    constructor(series: number, cvPerCell_V: number, cutoffPerCell_V: number) {
        this.series = series
        this.cv_V = cvPerCell_V * series
        // The load's own converter drops out at the pack's cut-off (the firmware does not shed loads yet), so the
        // weakest cell ends a little past its cut-off, not deep below it.
        this.cutoff_V = cutoffPerCell_V * series
    }
    at(dt_h: number): this {
        this.t += dt_h * H
        return this
    }
    ev(e: Ev): this {
        this.events.push({ at_s: Math.round(this.t), ...e })
        return this
    }
    on(): this {
        // Critical: these runs measure the estimator down to empty; load management would shed a normal
        // output at 10 % charge.
        this.ev({ command: { kind: "channel.priority", channel: 0, priority: "critical" } })
        return this.ev({ command: { kind: "channel.enable", channel: 0, on: true } })
    }
    load(watts: number): this {
        return watts > 0 ? this.ev({ load: { channel: 0, type: "constant_power", watts, minVoltage_V: this.cutoff_V } }) : this.ev({ load: { channel: 0, type: "none" } })
    }
    charge(current_A: number, cvPerCell_V?: number): this {
        return this.ev({ charger: { voltage_V: cvPerCell_V ? cvPerCell_V * this.series : this.cv_V, current_A } })
    }
    unplug(): this {
        return this.ev({ charger: null })
    }
}

function write(name: string, description: string, body: Ev, p: Profile): void {
    const s = { name, description, duration_s: Math.round(p.t), tick_ms: 1000, plant_dt_ms: 1000, ...body, events: p.events, expect: [{ at_s: Math.round(p.t), channel: 0, state: "on" }] }
    fs.writeFileSync(path.join(OUT, name + ".json"), JSON.stringify(s, null, 2) + "\n")
    console.log(`wrote ${name}.json: ${(p.t / H).toFixed(1)} h, ${p.events.length} events`)
}

/** Rest, a steady discharge into the cut-off, rest, a full CC/CV charge, rest, a variable discharge into the cut-off. */
function cycleProfile(series: number, cv: number, cutoff: number, steady_W: number, chargeA: number): Profile {
    const p = new Profile(series, cv, cutoff)
    p.on().at(1).load(steady_W).at(3.5).load(0).at(2).charge(chargeA).at(4).unplug().at(1)
    // The first discharge ended in the cut-off protection, which switched the output off: the user switches
    // it on again for the variable stretch.
    p.on()
    for (let k = 0; k < 6; k++) p.load(k % 2 === 0 ? steady_W * 1.4 : steady_W * 0.4).at(0.5)
    p.load(steady_W).at(2.5).load(0).at(0.5)
    return p
}

function main(): void {
    fs.mkdirSync(OUT, { recursive: true })
    const nmc = { chemistry: "NMC", series: 4, parallel: 2, cell_capacity_Ah: 4.0, model: "full", spread: true, seed: 11, ocv_error_mV: 5 }
    write("nmc_new", "A new 4S2P NMC pack: rest, a steady 40 W discharge into the cut-off, a full 0.5C charge, then a variable load into the cut-off.", { pack: { ...nmc, initial_soc_pct: 90 } }, cycleProfile(4, 4.2, 3.0, 40, 4))
    write("nmc_aged", "The same use on an aged pack with 80 % of its label capacity and 1.4x the resistance; the firmware is told the label capacity and must find the truth.", { pack: { ...nmc, initial_soc_pct: 90, aged: { capacity_pct: 80, resistance_factor: 1.4 } } }, cycleProfile(4, 4.2, 3.0, 40, 4))
    write("nmc_cold_5C", "The cycle at 5 °C ambient: higher resistance, earlier cut-off at the same load; the charge is derated to 0.2C.", { ambient_C: 5, pack: { ...nmc, initial_soc_pct: 90 } }, cycleProfile(4, 4.2, 3.0, 40, 1.6))
    write("nmc_sensor_offset", "The cycle with a current sensor that reads 20 mA off and 1 % high; the firmware must calibrate it out.", { sensors: { afe_current_offset_mA: 20, afe_current_gain_pct: 1 }, pack: { ...nmc, initial_soc_pct: 90 } }, cycleProfile(4, 4.2, 3.0, 40, 4))
    write("nmc_weak_cell", "The cycle on a pack whose third cell group has 85 % of the others' capacity: it empties and fills first.", { pack: { ...nmc, initial_soc_pct: 90, weak_cell: { index: 2, capacity_pct: 85 } } }, cycleProfile(4, 4.2, 3.0, 40, 4))

    // LFP that lives on its plateau: one full charge when it is new, then days of partial cycles between
    // roughly 30 % and 80 % with rests; no knee again until the final discharge.
    const lfp = new Profile(4, 3.6, 2.8)
    lfp.on().charge(4).at(2).unplug().at(2)
    for (let day = 0; day < 3; day++) {
        lfp.load(30).at(2.5).load(0).at(3)
        lfp.load(15).at(2).load(0).at(1.5)
        lfp.charge(3, 3.4).at(3).unplug().at(4)
        lfp.load(20).at(2).load(0).at(6)
    }
    lfp.load(30).at(5).load(0).at(1)
    write("lfp_plateau", "A 4S2P LiFePO4 pack charged full once, then three days of partial cycles on the flat part of its curve with rests, and a final discharge into the cut-off.", { pack: { chemistry: "LFP", series: 4, parallel: 2, cell_capacity_Ah: 4.0, model: "full", spread: true, seed: 5, initial_soc_pct: 70, ocv_error_mV: 3 } }, lfp)

    // A week of mixed use: morning and evening loads, daytime charging to the long-life ceiling (4.1 V),
    // a full charge on days 3 and 6, rests in between.
    const wk = new Profile(4, 4.2, 3.0)
    wk.on()
    for (let day = 0; day < 7; day++) {
        const full = day === 2 || day === 5
        wk.at(day === 0 ? 1 : 0).load(35).at(1.5).load(8).at(2).load(0).at(1)
        wk.charge(2, full ? 4.2 : 4.1).at(5).unplug().at(1)
        wk.load(20).at(2).load(45).at(0.5).load(12).at(2.5).load(0)
        wk.at(day === 0 ? 7.5 : 8.5)
    }
    write("nmc_week", "A week of mixed use on a new NMC pack: loads morning and evening, daytime charging to the 4.1 V long-life ceiling, a full charge on days 3 and 6, rests.", { pack: { ...nmc, initial_soc_pct: 70 } }, wk)
}

main()
