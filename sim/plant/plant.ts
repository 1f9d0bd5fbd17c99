// The physical box: a pack feeding output paths, the box's own quiescent draw and an optional bench charger, all
// on one bus (the pack terminals). The plant is the ground truth every firmware number is judged against.
// Portable (Node and the VM); time is passed in.
//
// Each step: the pack gives its Thevenin source over the step (E, R: pack.prepare), the bus is solved with every
// consumer on it, then the outputs and the pack integrate. Bus KCL, with the pack current I_pack through the pack
// shunt (discharge positive):
//   I_pack = sum(outputs) + quiescent - charger,   bus_V = E - R * I_pack
// Charger (CC/CV bench supply across the pack terminals, can only source): if holding the bus at voltage_V needs
// 0 <= I <= current_A it does that (CV); if it would need more it delivers current_A (CC); if the pack alone
// keeps the bus above voltage_V it delivers nothing.
// Pack FETs (the AFE's CHG and DSG, in series in the pack path; setPackFets): with DSG off the pack cannot
// discharge (a charger still charges it through the DSG FET's body diode); with CHG off it cannot charge (it
// still discharges through the CHG FET's body diode). When the solution above would push current the blocked
// way, the pack is cut off (I_pack = 0) and the bus is fed by the charger alone: CV if the charger can carry
// the outputs and the box's own draw; otherwise, with CHG off, CC with the pack helping through the diode; else
// the bus is dead (outputs and quiescent draw unpowered). Diode drops are neglected.
import { Pack, PackParams } from "./pack"
import { OutputPath, OutputPathParams } from "./output_path"
import { LoadSpec } from "./load"

export interface PlantParams {
    pack: PackParams
    outputs: OutputPathParams[]
    ambient_C: number
    /** The box's own draw from the bus (MCU, meters, regulators), amps. Default 0.015 A with the "full" pack
     * model, 0 with the "ideal" one (so today's hand-computed numbers still hold). */
    quiescent_A?: number
    /** Whether the outputs' switch and shunt losses heat the pack's thermal node (same box). Default true. */
    outputLossesHeatPack?: boolean
}

/** A CC/CV bench supply: holds the bus at voltage_V when it can, delivers at most current_A. */
export interface ChargerSetting {
    voltage_V: number
    current_A: number
}

export class Plant {
    readonly pack: Pack
    readonly outputs: OutputPath[] = []
    /** Ambient temperature; settable at any time (the pack's thermal node follows). */
    ambient_C: number
    time_s = 0
    /** Pack terminal (system bus) voltage after the last step. */
    bus_V = 0
    /** Current through the pack shunt in the last step, amps: outputs + quiescent - charger (discharge positive). */
    packCurrent_A = 0
    /** The box's own draw (setting), amps. */
    quiescent_A: number
    /** Quiescent current drawn in the last step (0 when the bus is dead), amps. */
    quiescentCurrent_A = 0
    /** Energy the box's own electronics drew from the bus, joules. */
    quiescentEnergy_J = 0
    /** The connected charger, or undefined. */
    charger: ChargerSetting = undefined
    /** What the charger delivered in the last step, amps, and its mode: "off", "idle", "cc" or "cv". */
    chargerCurrent_A = 0
    chargerMode = "off"
    /** Energy the charger delivered into the bus, joules. */
    chargerEnergy_J = 0
    readonly outputLossesHeatPack: boolean
    /** The AFE's FETs in the pack path (true = conducting); both on unless setPackFets says otherwise. */
    packChg = true
    packDsg = true
    private amps: number[] = []

    constructor(p: PlantParams) {
        this.pack = new Pack(p.pack)
        for (const o of p.outputs) {
            this.outputs.push(new OutputPath(o))
            this.amps.push(0)
        }
        this.ambient_C = p.ambient_C
        this.quiescent_A = p.quiescent_A !== undefined ? p.quiescent_A : p.pack.model === "full" ? 0.015 : 0
        this.outputLossesHeatPack = p.outputLossesHeatPack !== undefined ? p.outputLossesHeatPack : true
        if (p.pack.initialTemperature_C === undefined) this.pack.setTemperature(p.ambient_C)
        this.pack.ambient_C = p.ambient_C
        this.bus_V = this.pack.ocv_V()
    }

    setLoad(channel: number, load: LoadSpec): void {
        const o = this.outputs[channel]
        o.load = load
        o.loadTime_s = 0
    }

    setSwitch(channel: number, closed: boolean): void {
        const o = this.outputs[channel]
        o.switchClosed = closed
        // A latched-off eFuse resets when its enable goes low.
        if (!closed) o.efuseTripped = false
    }

    /** The AFE's CHG and DSG FET drivers (the board passes them every step). */
    setPackFets(chg: boolean, dsg: boolean): void {
        this.packChg = chg
        this.packDsg = dsg
    }

    /** Connect a CC/CV supply to the bus, or disconnect it (undefined). */
    setCharger(c: ChargerSetting | undefined): void {
        this.charger = c ? { voltage_V: c.voltage_V, current_A: c.current_A } : undefined
        // A stiff CV source needs the OCV linearised over the step (implicit in SOC) to stay stable at long steps.
        this.pack.setImplicitOcv(this.charger !== undefined || this.pack.p.model === "full")
    }

    /** Solve the outputs against a source of EMF e and resistance rS; returns their total current. */
    private solveOutputs(e: number, rS: number): number {
        const n = this.outputs.length
        const amps = this.amps
        for (let i = 0; i < n; i++) amps[i] = this.outputs[i].current_A
        for (let sweep = 0; sweep < 3; sweep++) {
            for (let i = 0; i < n; i++) {
                let others = 0
                for (let j = 0; j < n; j++) if (j !== i) others += amps[j]
                amps[i] = this.outputs[i].solve(e, rS, others)
            }
            if (n < 2) break
        }
        let total = 0
        for (let i = 0; i < n; i++) total += amps[i]
        return total
    }

    /** The bus with the pack connected: sets bus_V, packCurrent_A, quiescent and charger current and mode. */
    private solveBus(e: number, rS: number): void {
        const n = this.outputs.length
        const amps = this.amps
        const iq = this.quiescent_A > 0 && e > 1 ? this.quiescent_A : 0
        let total = 0
        let ichg = 0
        let mode = this.charger ? "idle" : "off"
        let bus = 0
        const c = this.charger
        if (c && c.voltage_V > 0 && c.current_A > 0) {
            // CV: the bus held at voltage_V; every output sees it directly.
            let out = 0
            for (let i = 0; i < n; i++) {
                amps[i] = this.outputs[i].solve(c.voltage_V, 0, 0)
                out += amps[i]
            }
            const need = out + iq - (e - c.voltage_V) / rS
            if (need >= 0 && need <= c.current_A) {
                mode = "cv"
                ichg = need
                total = out
                bus = c.voltage_V
            } else if (need > c.current_A) {
                mode = "cc"
                ichg = c.current_A
            }
        }
        if (mode !== "cv") {
            // The pack (plus a CC injection, if any) feeds the outputs; the quiescent draw and the charger's
            // current shift the source's EMF as the other channels' currents do.
            total = this.solveOutputs(e + (ichg - iq) * rS, rS)
            bus = e - (total + iq - ichg) * rS
        }
        this.bus_V = bus
        this.packCurrent_A = mode === "cv" ? (e - c.voltage_V) / rS : total + iq - ichg
        this.quiescentCurrent_A = iq
        this.chargerCurrent_A = ichg
        this.chargerMode = mode
    }

    /** The pack FETs block the current solveBus found: the pack is cut off and the charger alone feeds the bus. */
    private solveCutOff(e: number, rS: number): void {
        const n = this.outputs.length
        const amps = this.amps
        const c = this.charger
        this.packCurrent_A = 0
        if (c && c.voltage_V > 0 && c.current_A > 0) {
            let out = 0
            for (let i = 0; i < n; i++) {
                amps[i] = this.outputs[i].solve(c.voltage_V, 0, 0)
                out += amps[i]
            }
            const iq = this.quiescent_A > 0 && c.voltage_V > 1 ? this.quiescent_A : 0
            if (out + iq <= c.current_A) {
                this.bus_V = c.voltage_V
                this.quiescentCurrent_A = iq
                this.chargerCurrent_A = out + iq
                this.chargerMode = "cv"
                return
            }
            if (this.packDsg) {
                // CHG off: the charger at its limit, the pack adding the rest through the CHG FET's body diode.
                const iq2 = this.quiescent_A > 0 && e > 1 ? this.quiescent_A : 0
                const total = this.solveOutputs(e + (c.current_A - iq2) * rS, rS)
                const ip = total + iq2 - c.current_A
                if (ip >= 0) {
                    this.bus_V = e - ip * rS
                    this.packCurrent_A = ip
                    this.quiescentCurrent_A = iq2
                    this.chargerCurrent_A = c.current_A
                    this.chargerMode = "cc"
                    return
                }
            }
        }
        // Nothing can hold the bus: outputs and the box's own draw lose power.
        for (let i = 0; i < n; i++) amps[i] = 0
        this.bus_V = 0
        this.quiescentCurrent_A = 0
        this.chargerCurrent_A = 0
        this.chargerMode = c ? "idle" : "off"
    }

    /** Advance by dt: solve the shared bus (outputs, quiescent draw, charger, pack FETs), then integrate. */
    step(dt_s: number): void {
        const pack = this.pack
        pack.prepare(dt_s)
        const e = pack.theveninE_V
        const rS0 = pack.theveninR_Ohm
        const n = this.outputs.length
        const amps = this.amps
        this.solveBus(e, this.charger ? Math.max(rS0, 1e-9) : rS0)
        const ip = this.packCurrent_A
        if ((ip > 0 && !this.packDsg) || (ip < 0 && !this.packChg)) this.solveCutOff(e, Math.max(rS0, 1e-9))
        const bus = this.bus_V
        const iq = this.quiescentCurrent_A
        const ichg = this.chargerCurrent_A
        const ipack = this.packCurrent_A
        this.quiescentEnergy_J += bus * iq * dt_s
        this.chargerEnergy_J += bus * ichg * dt_s
        let extra = 0
        for (let i = 0; i < n; i++) {
            const o = this.outputs[i]
            o.settle(bus, amps[i], dt_s)
            if (this.outputLossesHeatPack) extra += o.current_A * o.current_A * (o.p.switch_Ohm + o.p.shunt_Ohm)
        }
        pack.step(dt_s, ipack, this.ambient_C, extra)
        this.time_s += dt_s
    }
}
