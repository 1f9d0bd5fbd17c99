// Scenario files for the headless runner (`npm run sim -- file.json`). Format: sim/README.md.
// Every field is checked; a problem names the field's path so the author can fix it.
import { LoadSpec } from "../plant/load"
import { PackParams } from "../plant/pack"
import { OCV_GRID_V, isKnownChemistry } from "../plant/cell_curves"
import { referencePack } from "../plant/plant_params"

export interface ChargerSpec {
    voltage_V: number
    current_A: number
}

export interface ScenarioEvent {
    at_s: number
    /** A bench CC/CV supply across the pack (null: disconnected). */
    charger?: ChargerSpec | null
    /** A new ambient temperature. */
    ambient_C?: number
    /** A command for the firmware's validator, exactly as any remote client would send it. */
    command?: any
    /** A load change on one channel (the user plugs something in). */
    load?: LoadSpec & { channel: number }
}

export interface ScenarioExpectation {
    at_s: number
    channel: number
    state?: string
    /** Firmware-reported current must be within tolerance of the plant's. */
    current_mA?: number
    tolerance_mA?: number
}

/** Errors of the AFE's current measurement (the firmware must not know them). */
export interface SensorErrors {
    afeCurrentOffset_A: number
    afeCurrentGain: number
}

export interface Scenario {
    name: string
    /** The box's own draw in the plant (the firmware assumes its design figure). */
    quiescent_A: number
    sensors: SensorErrors
    /** What the owner configured in the firmware (label capacity, not the truth). */
    firmwarePack: { chemistry: string; series: number; parallel: number; cellCapacity_mAh: number }
    /** "ekf" or "anchors". */
    estimatorMode: string
    description: string
    duration_s: number
    tick_ms: number
    plant_dt_ms: number
    ambient_C: number
    pack: PackParams
    loads: (LoadSpec & { channel: number })[]
    events: ScenarioEvent[]
    expect: ScenarioExpectation[]
}

export class ScenarioError extends Error {}

// Parsed JSON: checked field by field below.
type Obj = any

function isObj(v: any): v is Obj {
    return v !== null && typeof v === "object" && !Array.isArray(v)
}

function only(o: Obj, path: string, allowed: string[]): void {
    for (const k of Object.keys(o)) if (allowed.indexOf(k) < 0) throw new ScenarioError(`${path}: unknown field '${k}' (allowed: ${allowed.join(", ")})`)
}

function num(o: Obj, key: string, path: string, lo: number, hi: number, dflt?: number): number {
    const v = o[key]
    if (v === undefined) {
        if (dflt === undefined) throw new ScenarioError(`${path}.${key}: missing (a number ${lo}..${hi})`)
        return dflt
    }
    if (typeof v !== "number" || !isFinite(v)) throw new ScenarioError(`${path}.${key}: expected a number, got ${JSON.stringify(v)}`)
    if (v < lo || v > hi) throw new ScenarioError(`${path}.${key}: ${v} is outside ${lo}..${hi}`)
    return v
}

function int(o: Obj, key: string, path: string, lo: number, hi: number, dflt?: number): number {
    const v = num(o, key, path, lo, hi, dflt)
    if (Math.floor(v) !== v) throw new ScenarioError(`${path}.${key}: expected an integer, got ${v}`)
    return v
}

function str(o: Obj, key: string, path: string, dflt?: string): string {
    const v = o[key]
    if (v === undefined) {
        if (dflt === undefined) throw new ScenarioError(`${path}.${key}: missing (a string)`)
        return dflt
    }
    if (typeof v !== "string") throw new ScenarioError(`${path}.${key}: expected a string, got ${JSON.stringify(v)}`)
    return v
}

const LOAD_FIELDS: { [type: string]: string[] } = {
    none: [],
    resistive: ["ohms"],
    constant_power: ["watts", "minVoltage_V"],
    constant_current: ["amps", "minVoltage_V"],
}

/** Checks a load spec; returns the problem (naming the field) or "". */
export function validateLoad(l: any, path: string, extra: string[] = []): string {
    try {
        parseLoad(l, path, extra)
        return ""
    } catch (e: any) {
        return e.message
    }
}

function parseLoad(l: any, path: string, extra: string[]): LoadSpec {
    if (!isObj(l)) throw new ScenarioError(`${path}: expected an object`)
    const type = str(l, "type", path)
    const fields = LOAD_FIELDS[type]
    if (!fields) throw new ScenarioError(`${path}.type: unknown load type '${type}' (one of ${Object.keys(LOAD_FIELDS).join(", ")})`)
    only(l, path, ["type", ...fields, ...extra])
    const out: LoadSpec = { type }
    if (type === "resistive") out.ohms = num(l, "ohms", path, 0.01, 1e6)
    if (type === "constant_power") out.watts = num(l, "watts", path, 0, 2000)
    if (type === "constant_current") out.amps = num(l, "amps", path, 0, 100)
    if (l.minVoltage_V !== undefined) out.minVoltage_V = num(l, "minVoltage_V", path, 0, 100)
    return out
}

function parseChannelLoad(l: any, path: string, channels: number): LoadSpec & { channel: number } {
    const load = parseLoad(l, path, ["channel"])
    return { ...load, channel: int(l, "channel", path, 0, channels - 1) }
}

function parsePack(p: any, path: string): PackParams {
    const d = referencePack()
    if (p === undefined) return d
    if (!isObj(p)) throw new ScenarioError(`${path}: expected an object`)
    only(p, path, ["chemistry", "series", "parallel", "cell_capacity_Ah", "cell_r0_mOhm", "initial_soc_pct", "wiring_mOhm", "model", "spread", "seed", "aged", "weak_cell", "leaky_cell", "ocv_error_mV"])
    const chemistry = str(p, "chemistry", path, d.chemistry)
    if (!isKnownChemistry(chemistry)) throw new ScenarioError(`${path}.chemistry: unknown chemistry '${chemistry}' (NMC or LFP)`)
    const model = str(p, "model", path, "ideal")
    if (model !== "ideal" && model !== "full") throw new ScenarioError(`${path}.model: '${model}' is not "ideal" or "full"`)
    const out: PackParams = {
        chemistry,
        series: int(p, "series", path, 1, 16, d.series),
        parallel: int(p, "parallel", path, 1, 100, d.parallel),
        cellCapacity_Ah: num(p, "cell_capacity_Ah", path, 0.05, 1000, d.cellCapacity_Ah),
        cellR0_Ohm: num(p, "cell_r0_mOhm", path, 0.01, 1000, d.cellR0_Ohm * 1000) / 1000,
        initialSoc: num(p, "initial_soc_pct", path, 0, 100, d.initialSoc * 100) / 100,
        wiring_Ohm: num(p, "wiring_mOhm", path, 0, 1000, d.wiring_Ohm * 1000) / 1000,
        model,
    }
    if (p.spread !== undefined) {
        if (typeof p.spread !== "boolean") throw new ScenarioError(`${path}.spread: expected true or false`)
        out.spread = p.spread
    }
    if (p.seed !== undefined) out.seed = int(p, "seed", path, 1, 2147483646)
    if (p.ocv_error_mV !== undefined) {
        // The real cells' curve differs from the generic table the firmware uses: a smooth deviation of
        // this amplitude (two humps over the SOC range), the same for every cell.
        const a = num(p, "ocv_error_mV", path, 0, 100) / 1000
        out.ocvGrid_V = OCV_GRID_V[chemistry].map((v, i, g) => v + a * Math.sin((2 * Math.PI * i) / (g.length - 1) + 0.7))
    }
    if (p.aged !== undefined) {
        const a = p.aged
        const ap = `${path}.aged`
        if (!isObj(a)) throw new ScenarioError(`${ap}: expected an object`)
        only(a, ap, ["capacity_pct", "resistance_factor"])
        out.initialCapacityFraction = num(a, "capacity_pct", ap, 10, 100) / 100
        out.initialResistanceFactor = num(a, "resistance_factor", ap, 0.5, 10, 1)
    }
    if (p.weak_cell !== undefined) {
        const w = p.weak_cell
        const wp = `${path}.weak_cell`
        if (!isObj(w)) throw new ScenarioError(`${wp}: expected an object`)
        only(w, wp, ["index", "capacity_pct"])
        out.weakCell = int(w, "index", wp, 0, out.series - 1)
        out.weakCapacityFactor = num(w, "capacity_pct", wp, 10, 100) / 100
    }
    if (p.leaky_cell !== undefined) {
        const l = p.leaky_cell
        const lp = `${path}.leaky_cell`
        if (!isObj(l)) throw new ScenarioError(`${lp}: expected an object`)
        only(l, lp, ["index", "factor"])
        out.leakyCell = int(l, "index", lp, 0, out.series - 1)
        out.leakyFactor = num(l, "factor", lp, 1, 100, 4)
    }
    return out
}

function parseSensors(x: any, path: string): SensorErrors {
    if (x === undefined) return { afeCurrentOffset_A: 0, afeCurrentGain: 1 }
    if (!isObj(x)) throw new ScenarioError(`${path}: expected an object`)
    only(x, path, ["afe_current_offset_mA", "afe_current_gain_pct"])
    return {
        afeCurrentOffset_A: num(x, "afe_current_offset_mA", path, -1000, 1000, 0) / 1000,
        afeCurrentGain: 1 + num(x, "afe_current_gain_pct", path, -20, 20, 0) / 100,
    }
}

function parseFirmware(x: any, path: string, pack: PackParams): { pack: Scenario["firmwarePack"]; mode: string } {
    const dflt = { chemistry: pack.chemistry, series: pack.series, parallel: pack.parallel, cellCapacity_mAh: Math.round(pack.cellCapacity_Ah * 1000) }
    if (x === undefined) return { pack: dflt, mode: "ekf" }
    if (!isObj(x)) throw new ScenarioError(`${path}: expected an object`)
    only(x, path, ["estimator", "cell_capacity_mAh"])
    const mode = str(x, "estimator", path, "ekf")
    if (mode !== "ekf" && mode !== "anchors") throw new ScenarioError(`${path}.estimator: '${mode}' is not "ekf" or "anchors"`)
    if (x.cell_capacity_mAh !== undefined) dflt.cellCapacity_mAh = int(x, "cell_capacity_mAh", path, 100, 1000000)
    return { pack: dflt, mode }
}

function parseCharger(c: any, path: string): ChargerSpec | null {
    if (c === null) return null
    if (!isObj(c)) throw new ScenarioError(`${path}: expected an object or null`)
    only(c, path, ["voltage_V", "current_A"])
    return { voltage_V: num(c, "voltage_V", path, 1, 100), current_A: num(c, "current_A", path, 0, 100) }
}

function list(o: Obj, key: string, path: string): any[] {
    const v = o[key]
    if (v === undefined) return []
    if (!Array.isArray(v)) throw new ScenarioError(`${path}.${key}: expected a list`)
    return v
}

/** Parse and check a scenario for a box with `channels` outputs. Throws ScenarioError naming the field. */
export function parseScenario(raw: any, channels: number): Scenario {
    const path = "scenario"
    if (!isObj(raw)) throw new ScenarioError(`${path}: expected a JSON object`)
    only(raw, path, ["name", "description", "duration_s", "tick_ms", "plant_dt_ms", "ambient_C", "pack", "loads", "events", "expect", "quiescent_mA", "sensors", "firmware"])
    const duration_s = num(raw, "duration_s", path, 0.001, 30 * 86400)
    const events = list(raw, "events", path).map((e, i) => {
        const p = `${path}.events[${i}]`
        if (!isObj(e)) throw new ScenarioError(`${p}: expected an object`)
        only(e, p, ["at_s", "command", "load", "charger", "ambient_C"])
        const at_s = num(e, "at_s", p, 0, duration_s)
        const kinds = ["command", "load", "charger", "ambient_C"].filter(k => e[k] !== undefined)
        if (kinds.length !== 1) throw new ScenarioError(`${p}: needs exactly one of 'command', 'load', 'charger' or 'ambient_C'`)
        if (e.command !== undefined) return { at_s, command: e.command }
        if (e.charger !== undefined) return { at_s, charger: parseCharger(e.charger, `${p}.charger`) }
        if (e.ambient_C !== undefined) return { at_s, ambient_C: num(e, "ambient_C", p, -40, 85) }
        return { at_s, load: parseChannelLoad(e.load, `${p}.load`, channels) }
    })
    for (let i = 1; i < events.length; i++)
        if (events[i].at_s < events[i - 1].at_s) throw new ScenarioError(`${path}.events[${i}].at_s: events must be in time order`)
    const expect = list(raw, "expect", path).map((x, i) => {
        const p = `${path}.expect[${i}]`
        if (!isObj(x)) throw new ScenarioError(`${p}: expected an object`)
        only(x, p, ["at_s", "channel", "state", "current_mA", "tolerance_mA"])
        const out: ScenarioExpectation = { at_s: num(x, "at_s", p, 0, duration_s), channel: int(x, "channel", p, 0, channels - 1) }
        if (x.state !== undefined) {
            out.state = str(x, "state", p)
            if (["off", "on", "tripped", "fault"].indexOf(out.state) < 0) throw new ScenarioError(`${p}.state: unknown state '${out.state}'`)
        }
        if (x.current_mA !== undefined) {
            out.current_mA = num(x, "current_mA", p, -1e6, 1e6)
            out.tolerance_mA = num(x, "tolerance_mA", p, 0, 1e6, 20)
        }
        if (out.state === undefined && out.current_mA === undefined) throw new ScenarioError(`${p}: needs 'state' or 'current_mA'`)
        return out
    })
    const pack = parsePack(raw.pack, `${path}.pack`)
    const fw = parseFirmware(raw.firmware, `${path}.firmware`, pack)
    return {
        name: str(raw, "name", path),
        quiescent_A: num(raw, "quiescent_mA", path, 0, 1000, pack.model === "full" ? 17 : 0) / 1000,
        sensors: parseSensors(raw.sensors, `${path}.sensors`),
        firmwarePack: fw.pack,
        estimatorMode: fw.mode,
        description: str(raw, "description", path, ""),
        duration_s,
        tick_ms: int(raw, "tick_ms", path, 10, 1000, 100),
        plant_dt_ms: num(raw, "plant_dt_ms", path, 0.1, 10000, 10),
        ambient_C: num(raw, "ambient_C", path, -40, 85, 25),
        pack,
        loads: list(raw, "loads", path).map((l, i) => parseChannelLoad(l, `${path}.loads[${i}]`, channels)),
        events,
        expect,
    }
}
