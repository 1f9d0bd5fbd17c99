// A whole box in simulated time: plant + emulated board + the production supervisor and drivers.
// Used by the scenario runner, the benchmarks and the shared specs (Node and VM alike). No timers:
// `advance` steps the plant and ticks the supervisor from a plain loop.
import { oneOutputConfig } from "./test_boards"
import { World } from "./world"
import { boardParamsFor } from "./board_params"
import { MemoryStore } from "./memory_store"
import { plantParamsFor, referencePack } from "../plant/plant_params"
import { PackParams } from "../plant/pack"
import { BoxConfig, referenceConfig } from "../../src/core/box_config"
import { Supervisor } from "../../src/core/supervisor"
import { BoxEvent, Snapshot } from "../../src/core/snapshot"
import { CommandResult } from "../../src/core/commands"
import type { ChargingPort } from "../../src/core/charging/charge_controller"

/** Plant time that passes between power-up and the firmware's start. */
const POWER_UP_ms = 100

export interface RigOptions {
    cfg?: BoxConfig
    pack?: PackParams
    ambient_C?: number
    plantDt_ms?: number
    /** Reuse a settings store (a "restart" keeps flash). */
    store?: MemoryStore
    /** Reuse a world (a firmware restart keeps the board and the plant). */
    world?: World
    /** The box's own draw in the plant, A (default: the plant model's). */
    quiescent_A?: number
    /** The firmware's charger (sim/board/charge_hardware.ts builds it on the world's board). */
    charging?: ChargingPort
}

export class Rig {
    readonly cfg: BoxConfig
    readonly world: World
    readonly store: MemoryStore
    readonly sup: Supervisor
    readonly plantDt_ms: number
    t_ms = 0
    private nextTick_ms: number
    ticks = 0
    last: Snapshot = undefined
    /** Every event the supervisor emitted, in order. */
    events: BoxEvent[] = []
    /** When false the supervisor is not ticked: a stalled firmware (the board and plant go on). */
    firmwareRunning = true

    constructor(o: RigOptions = {}) {
        this.cfg = o.cfg ? o.cfg : oneOutputConfig()
        this.plantDt_ms = o.plantDt_ms !== undefined ? o.plantDt_ms : 10
        const ambient = o.ambient_C !== undefined ? o.ambient_C : 25
        if (o.world) this.world = o.world
        else {
            const pack = o.pack ? o.pack : referencePack()
            const pp = plantParamsFor(this.cfg, pack, ambient)
            if (o.quiescent_A !== undefined) pp.quiescent_A = o.quiescent_A
            // The AFE is wired to the cells the plant really has.
            this.world = new World(pp, boardParamsFor(this.cfg, pack.series))
        }
        this.store = o.store ? o.store : new MemoryStore()
        const board = this.world.board
        const enables = this.cfg.channels.map((c, i) => board.enablePin(i))
        this.sup = new Supervisor(this.cfg, { bus: board.bus, enables, heartbeat: board.heartbeatPin(), charging: o.charging }, this.store)
        this.nextTick_ms = this.cfg.tick_ms
    }

    async start(): Promise<Snapshot> {
        // Power-up: the chips convert for a moment before the MCU's program runs (a real AFE and meter have
        // readings long before DeviceScript has booted), so the boot self-check sees real numbers.
        const dt_s = this.plantDt_ms / 1000
        for (let k = 0; k * this.plantDt_ms < POWER_UP_ms; k++) {
            this.world.step(dt_s)
            this.t_ms += this.plantDt_ms
        }
        this.nextTick_ms = this.t_ms + this.cfg.tick_ms
        await this.sup.start(Math.round(this.t_ms))
        this.collect(this.sup.snapshot(this.t_ms))
        return this.last
    }

    /**
     * Start, then run until the boot self-check has passed (at most `max_ms`): what a person sees as "the
     * box has booted". Tick counts start from zero afterwards.
     */
    async boot(max_ms = 3000, pause?: () => Promise<void>): Promise<Snapshot> {
        await this.start()
        const end = this.t_ms + max_ms
        while (this.sup.selfCheck !== "" && this.t_ms < end) await this.advance(this.cfg.tick_ms, pause)
        this.ticks = 0
        return this.last
    }

    private collect(s: Snapshot): void {
        this.last = s
        for (const e of s.events) this.events.push(e)
    }

    submit(cmd: any): CommandResult {
        return this.sup.submit(cmd, Math.round(this.t_ms))
    }

    /**
     * Advance simulated time by `ms`. `pause` runs after every supervisor tick (the VM needs a yield
     * every few ticks); `onTick` sees each snapshot.
     */
    async advance(ms: number, pause?: () => Promise<void>, onTick?: (s: Snapshot) => void): Promise<Snapshot> {
        const end = this.t_ms + ms
        const dt_s = this.plantDt_ms / 1000
        let steps = 0
        while (this.t_ms + this.plantDt_ms <= end + 1e-9) {
            this.world.step(dt_s)
            this.t_ms += this.plantDt_ms
            // Yield on plant steps too: a stalled firmware does not tick, but the VM still needs its slices.
            if (pause && ++steps % 50 === 0) await pause()
            if (this.t_ms + 1e-9 >= this.nextTick_ms) {
                this.nextTick_ms += this.cfg.tick_ms
                if (!this.firmwareRunning) continue
                this.collect(await this.sup.tick(Math.round(this.t_ms)))
                this.ticks++
                if (onTick) onTick(this.last)
                if (pause) await pause()
            }
        }
        return this.last
    }

    /** Events of one kind (and optionally channel) so far. */
    eventsOf(kind: string, channel?: number): BoxEvent[] {
        return this.events.filter(e => e.kind === kind && (channel === undefined || e.channel === channel))
    }
}
