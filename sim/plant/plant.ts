// The physical box: a pack feeding output paths. The plant is the ground truth every firmware
// number is judged against. Portable (Node and the VM); time is passed in.
import { Pack, PackParams } from "./pack"
import { OutputPath, OutputPathParams } from "./output_path"
import { LoadSpec } from "./load"

export interface PlantParams {
    pack: PackParams
    outputs: OutputPathParams[]
    ambient_C: number
}

export class Plant {
    readonly pack: Pack
    readonly outputs: OutputPath[] = []
    ambient_C: number
    time_s = 0
    /** Pack terminal (system bus) voltage after the last step. */
    bus_V = 0

    constructor(p: PlantParams) {
        this.pack = new Pack(p.pack)
        for (const o of p.outputs) this.outputs.push(new OutputPath(o))
        this.ambient_C = p.ambient_C
        this.bus_V = this.pack.ocv_V()
    }

    setLoad(channel: number, load: LoadSpec): void {
        this.outputs[channel].load = load
    }

    setSwitch(channel: number, closed: boolean): void {
        this.outputs[channel].switchClosed = closed
    }

    /** Advance by dt: solve the shared bus for all channels (a few Gauss-Seidel sweeps), then integrate. */
    step(dt_s: number): void {
        const e = this.pack.ocv_V()
        const rS = this.pack.resistance_Ohm()
        const n = this.outputs.length
        const amps: number[] = []
        for (let i = 0; i < n; i++) amps.push(this.outputs[i].current_A)
        for (let sweep = 0; sweep < 3; sweep++) {
            for (let i = 0; i < n; i++) {
                let others = 0
                for (let j = 0; j < n; j++) if (j !== i) others += amps[j]
                amps[i] = this.outputs[i].solve(e, rS, others)
            }
            if (n < 2) break
        }
        let total = 0
        for (const a of amps) total += a
        this.bus_V = e - total * rS
        for (let i = 0; i < n; i++) this.outputs[i].settle(this.bus_V, amps[i], dt_s)
        this.pack.step(dt_s, total)
        this.time_s += dt_s
    }
}
