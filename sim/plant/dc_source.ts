// DC sources for the box's DC input (barrel / Anderson): a solar panel following an irradiance profile and
// a car's 12 V or 24 V supply with its alternator. Each gives the voltage at its terminals for a load
// current; the charger's input limits (VINDPM, IINDPM) decide the load. Node plant only.

export interface DcSource {
    name: string
    /** Terminal voltage with `load_A` drawn at time t, V (0 when absent). */
    voltage_V(load_A: number, t_s: number): number
    /** The most power it can give at time t, W (the benchmark's "available"). */
    available_W(t_s: number): number
}

/**
 * A solar panel: I(V) = Isc * (1 - exp((V - Voc) / Vn)) at irradiance G (W/m2), Isc proportional to G.
 * `irradiance(t_s)` gives G (clearDay below, or any profile).
 */
export class SolarPanel implements DcSource {
    name: string
    voc_V: number
    isc_A: number
    /** The knee's width, V (sets the fill factor: ~0.75 with 5 % of Voc). */
    vn_V: number
    irradiance: (t_s: number) => number
    constructor(name: string, voc_V: number, isc_A: number, irradiance: (t_s: number) => number) {
        this.name = name
        this.voc_V = voc_V
        this.isc_A = isc_A
        this.vn_V = 0.05 * voc_V
        this.irradiance = irradiance
    }
    private isc(t_s: number): number {
        return (this.isc_A * Math.max(0, this.irradiance(t_s))) / 1000
    }
    voltage_V(load_A: number, t_s: number): number {
        const isc = this.isc(t_s)
        if (isc <= 0) return 0
        if (load_A >= isc) return 0
        // Open-circuit voltage falls a little in weak light.
        const voc = this.voc_V + this.vn_V * Math.log(Math.max(1e-6, isc / this.isc_A))
        return Math.max(0, voc + this.vn_V * Math.log(1 - load_A / isc))
    }
    /** Maximum power point by a scan (the benchmark's reference). */
    available_W(t_s: number): number {
        const isc = this.isc(t_s)
        let best = 0
        for (let k = 1; k < 200; k++) {
            const i = (isc * k) / 200
            const p = i * this.voltage_V(i, t_s)
            if (p > best) best = p
        }
        return best
    }
}

/**
 * A clear day compressed into `day_s` from t = 0, peaking at `peak` W/m2 (a parabola: close to the sun's
 * half sine, and the VM has no Math.sin), with a cloud from `cloud` [start, end] s letting 30 % through.
 */
export function clearDay(day_s: number, peak: number, cloud: number[]): (t_s: number) => number {
    return (t_s: number) => {
        if (t_s < 0 || t_s > day_s) return 0
        const x = t_s / day_s
        const g = peak * 4 * x * (1 - x)
        return cloud.length === 2 && t_s >= cloud[0] && t_s < cloud[1] ? 0.3 * g : g
    }
}

/** A 100 W "12 V" panel: Voc 22 V, Isc 5.6 A (about 100 W at its maximum power point). */
export function solar100W(irradiance: (t_s: number) => number): SolarPanel {
    return new SolarPanel("100 W solar panel", 22, 5.6, irradiance)
}

/**
 * A car's accessory socket: the alternator holds `run_V` (13.8 V on 12 V systems, 27.6 V on 24 V) when the
 * engine runs (from `engineOn_s` to `engineOff_s`), the battery gives `rest_V` otherwise; wiring and the
 * alternator's droop sag it by `sag_Ohm` per amp; the socket's fuse is `fuse_A`.
 */
export class CarSupply implements DcSource {
    name: string
    run_V: number
    rest_V: number
    sag_Ohm: number
    fuse_A: number
    engineOn_s: number
    engineOff_s: number
    /** The car battery's state: it falls while the engine is off and something draws from it. */
    private drawn_As = 0
    private lastT_s = 0
    constructor(name: string, system_V: number, engineOn_s: number, engineOff_s: number) {
        this.name = name
        this.run_V = system_V === 24 ? 27.6 : 13.8
        this.rest_V = system_V === 24 ? 25.2 : 12.6
        this.sag_Ohm = system_V === 24 ? 0.12 : 0.06
        this.fuse_A = 10
        this.engineOn_s = engineOn_s
        this.engineOff_s = engineOff_s
    }
    running(t_s: number): boolean {
        return t_s >= this.engineOn_s && t_s < this.engineOff_s
    }
    voltage_V(load_A: number, t_s: number): number {
        if (load_A > this.fuse_A) return 0
        const dt = t_s - this.lastT_s
        this.lastT_s = t_s
        if (!this.running(t_s) && dt > 0) this.drawn_As += load_A * dt
        // A 60 Ah battery: about 0.2 V lower per 10 % drawn.
        const rest = this.rest_V - (0.2 * this.drawn_As) / (0.1 * 60 * 3600)
        return (this.running(t_s) ? this.run_V : rest) - load_A * this.sag_Ohm
    }
    available_W(t_s: number): number {
        return (this.running(t_s) ? this.run_V : this.rest_V) * this.fuse_A * 0.8
    }
}
