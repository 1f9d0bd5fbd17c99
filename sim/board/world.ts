// Plant and board stepped together in one process (Node runner, tests, benchmarks).
// In the live simulator the two are split: plant in Node, board in the VM, joined by the sim link.
import { Plant, PlantParams } from "../plant/plant"
import { Board, BoardParams, ChannelPhysics, PackPhysics } from "./board"

const BLEED_OHM = 66

/** The charging path's hooks around each plant step (sim/board/charge_hardware.ts). */
export interface ChargerHooks {
    before(plant: Plant, t_s: number): void
    after(plant: Plant, dt_s: number): void
}

export class World {
    readonly plant: Plant
    readonly board: Board
    /** The box's charging hardware; undefined on a box without a charger. */
    charger: ChargerHooks = undefined

    constructor(plant: PlantParams, board: BoardParams) {
        if (plant.outputs.length !== board.channels.length)
            throw new Error("plant has " + plant.outputs.length + " outputs, board has " + board.channels.length + " channels")
        this.plant = new Plant(plant)
        this.board = new Board(board)
    }

    /** Fault injection: extra temperature of each output's power stage (its meter's die) over ambient, °C. */
    stageHeat_C: number[] = []

    private stageHeat(i: number): number {
        const h = this.stageHeat_C[i]
        return h === undefined ? 0 : h
    }

    physics(): ChannelPhysics[] {
        const out: ChannelPhysics[] = []
        for (const o of this.plant.outputs)
            out.push({ current_A: o.current_A, busVoltage_V: o.switchClosed ? o.meterVoltage_V : 0, dieTemp_C: this.plant.ambient_C + this.stageHeat(out.length) })
        return out
    }

    packPhysics(): PackPhysics {
        const pk = this.plant.pack
        return { cell_V: pk.cellVoltages_V(), current_A: this.plant.packCurrent_A, temp_C: pk.temperature_C, dieTemp_C: pk.temperature_C }
    }

    /** The AFE's balancing FETs: each selected cell bleeds through BLEED_OHM (two 33 ohm resistors, hardware-facts 2). */
    private bleed(mask: number): void {
        const pack = this.plant.pack
        if (mask === 0 && pack.bleed_A.length === 0) return
        const b: number[] = []
        for (let i = 0; i < pack.cells.length; i++) b.push(((mask >> i) & 1) !== 0 ? pack.cellVoltage_V(i) / BLEED_OHM : 0)
        pack.bleed_A = mask === 0 ? [] : b
    }

    step(dt_s: number): void {
        const outs = this.plant.outputs
        for (let i = 0; i < outs.length; i++) {
            const closed = this.board.switchClosed(i)
            const conv = this.board.converters[i]
            if (conv) {
                // The converter's EN is the channel's enable AND trip latch; its registers set the output.
                conv.en = closed
                outs[i].convTarget_V = conv.target_V()
                outs[i].convLimit_A = conv.limit_A()
                this.plant.setSwitch(i, conv.outputOn())
            } else this.plant.setSwitch(i, closed)
        }
        // The AFE's CHG/DSG FETs in the pack path (both on without an AFE).
        const afe = this.board.afe
        if (afe) {
            this.plant.setPackFets(afe.chgOn(), afe.dsgOn())
            this.bleed(afe.balancing())
        }
        if (this.charger) this.charger.before(this.plant, this.board.time_s)
        this.plant.step(dt_s)
        if (this.charger) this.charger.after(this.plant, dt_s)
        for (let i = 0; i < outs.length; i++) {
            const conv = this.board.converters[i]
            if (conv) conv.report(outs[i].limiting, outs[i].shorted, false, outs[i].convTarget_V < this.plant.bus_V)
        }
        this.board.step(dt_s, this.physics(), this.packPhysics())
    }
}
