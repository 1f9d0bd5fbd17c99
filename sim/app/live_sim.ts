// The live simulator's Node half: the plant and the emulated board in real time (the same World as the
// headless runner), the sim link that carries the firmware's I2C transactions and pin levels from the VM,
// and a Jacdac client of the firmware's services (what a phone or dashboard would see).
import { PRIORITIES } from "../../src/core/load_policy"
import { JDBus, JDService, JDServiceServer, JDServerServiceProvider, Packet, EVENT, jdunpack } from "jacdac-ts"
import { CoopBatteryCmd, CoopBatteryEvent, CoopBatteryReg, CoopChannelEvent, CoopChannelReg, SRV_COOP_BATTERY, SRV_COOP_CHANNEL, SRV_COOP_SIM_LINK, CoopSimLinkCmd, CoopSimLinkReg } from "../../.devicescript/ts/constants"
import { Plant } from "../plant/plant"
import { World } from "../board/world"
import { boardParamsFor } from "../board/board_params"
import { LoadSpec, describeLoad } from "../plant/load"
import { plantParamsFor, referencePackFull } from "../plant/plant_params"
import { BoxConfig, simulatorConfig } from "../../src/core/box_config"
import { CHANNEL_STATES, ChargingSnapshot } from "../../src/core/snapshot"
import { validateLoad } from "../runner/scenario"
import { ChargeHardware } from "../board/charge_hardware"

const STEP_MS = 10
const POLL_MS = 1000
/** Polls that read a channel's strings after the user wrote to it (the firmware applies a write within a tick or two). */
const DIRTY_POLLS = 4
/** A channel's registers the view reads besides its telemetry (round robin, or all after a change). */
const SLOW_REGS = [CoopChannelReg.StateReason, CoopChannelReg.Label, CoopChannelReg.MaxCurrent, CoopChannelReg.Priority, CoopChannelReg.OutputVoltage, CoopChannelReg.DailyQuota, CoopChannelReg.EnergyToday]
/** No word from the VM for this long: the MCU is gone, its pins float low (the board's pull-downs). */
const LINK_TIMEOUT_MS = 5000
const LIVE_WATCHDOG_S = 20
/** The same stretch for the PD source's PPS timeout (12 s; the firmware asks again every 5 s of its own time,
 * but one tick that verifies the AFE takes up to 13.5 s over the link). */
const LIVE_PPS_TIMEOUT_S = 30
const HEARTBEAT_BIT = 0x80
/** The charger's input selects (src/shell/sim_link.ts). */
const INSEL_USB_BIT = 0x100
const INSEL_DC_BIT = 0x200
/** The DC inlet's sense is pushed to the VM when it moves this much, and at least this often. */
const DC_SENSE_STEP_mV = 100
const DC_SENSE_EVERY_MS = 5000

export interface SwitchReport {
    closedMask: number
    enableMask: number
    latchedMask: number
    watchdogExpired: boolean
    /** Hardware trip-latch count per channel since the VM started. */
    hardwareTrips: number[]
    at_ms: number
}

class SimLinkServer extends JDServiceServer {
    private lastSeq = -1
    private lastResult: Uint8Array = undefined
    /** Transactions the VM had to ask for again (their answer was lost on the way). */
    repeats = 0
    constructor(world: World, onPins: (levels: number) => void) {
        super(SRV_COOP_SIM_LINK)
        this.addCommand(CoopSimLinkCmd.Pins, (pkt: Packet) => {
            if (pkt.data.length >= 1) onPins(pkt.data[0] | ((pkt.data.length >= 2 ? pkt.data[1] : 0) << 8))
        })
        this.addCommand(CoopSimLinkCmd.I2c, async (pkt: Packet) => {
            const d = pkt.data
            if (d.length < 5) return
            const [seq, address, readLength, pins] = [d[0], d[1], d[2], d[3] | (d[4] << 8)]
            onPins(pins)
            // A repeat (the VM lost our answer) is answered again, not run again.
            if (seq === this.lastSeq && this.lastResult) {
                this.repeats++
                await this.sendPacketAsync(Packet.from(0x1000 | CoopSimLinkReg.I2cResult, this.lastResult))
                return
            }
            let out: Uint8Array
            try {
                const data = await world.board.bus.transfer(address, Array.from(d.slice(5)), readLength)
                out = new Uint8Array([seq, 0, ...data])
            } catch (e) {
                const msg = Buffer.from(String((e as any)?.message ?? e).slice(0, 200), "utf8")
                out = new Uint8Array([seq, 1, ...msg])
            }
            this.lastSeq = seq
            this.lastResult = out
            await this.sendPacketAsync(Packet.from(0x1000 | CoopSimLinkReg.I2cResult, out))
        })
    }
}

/** What the firmware reports about one channel over Jacdac. */
export interface FirmwareChannelView {
    label: string
    enabled: boolean
    state: string
    reason: string
    current_mA: number
    voltage_mV: number
    power_mW: number
    energy_mWh: number
    limit_mA: number
    max_mA: number
    priority: string
    setVoltage_mV: number
    quota_Wh: number
    today_mWh: number
    updated_ms: number
}

/** What the firmware reports about the pack over Jacdac. */
export interface FirmwareBatteryView {
    known: boolean
    soc_pm: number
    socLow_pm: number
    socHigh_pm: number
    capacity_mAh: number
    health_pm: number
    tte_s: number
    ttf_s: number
    voltage_mV: number
    current_mA: number
    temp_dC: number
    cells_mV: number[]
    anchor: string
    anchorAge_s: number
    /** The firmware's active protection faults ("" when none). */
    faults: string
    /** Charging as the battery service reports it (its `charging` and `charge_ceiling` registers). */
    charging: FirmwareChargingView
    updated_ms: number
}

/** The firmware's ChargingSnapshot as the battery service carries it: the per-cell flags as a mask. */
export type FirmwareChargingView = Omit<ChargingSnapshot, "balancing"> & {
    /** Bit k: cell group k is bleeding. */
    balancingMask: number
}

export interface LogLine {
    seq: number
    t_s: number
    text: string
}

export class LiveSim {
    readonly cfg: BoxConfig
    readonly world: World
    readonly plant: Plant
    readonly bus: JDBus
    private link: SimLinkServer
    private switches: SwitchReport = undefined
    private lastHeard = -1e9
    private timers: NodeJS.Timeout[] = []
    private t0 = performance.now()
    private lastStep = 0
    readonly firmware: FirmwareChannelView[] = []
    readonly battery: FirmwareBatteryView = { known: false, soc_pm: 0, socLow_pm: 0, socHigh_pm: 1000, capacity_mAh: 0, health_pm: 0, tte_s: -1, ttf_s: -1, voltage_mV: 0, current_mA: 0, temp_dC: 0, cells_mV: [], anchor: "none", anchorAge_s: -1, faults: "", charging: { input: "", phase: "unknown", reason: "", input_mV: 0, input_mA: 0, charge_mA: 0, target_pm: 0, ceiling_pm: 0, fullIn_s: -1, bled_mWh: 0, balancingMask: 0 }, updated_ms: -1 }
    readonly log: LogLine[] = []
    private subscribed = new WeakSet<JDService>()
    /** Transactions and pin messages from the VM. */
    linkMessages = 0
    private logSeq = 0
    private polls = 0
    private polling = false
    private pollAgain = false
    /** Channels written by the user: their strings are read on the next few polls (the write takes a tick or two). */
    private dirty = new Map<number, number>()
    private batteryPolls = 0

    /** The box's charging hardware (PD sink, charger, input selects, DC sense); undefined without a charger. */
    readonly charging: ChargeHardware = undefined
    private sentDc_mV = -1e9
    private sentDc_at = 0

    /** `soc_pct`: the pack's true state of charge at the start (the reference pack's 80 % by default). */
    constructor(bus: JDBus, cfg: BoxConfig = simulatorConfig(), soc_pct?: number) {
        this.cfg = cfg
        this.bus = bus
        const pack = referencePackFull()
        if (soc_pct !== undefined) {
            if (!(soc_pct >= 1 && soc_pct <= 100)) throw new Error(`--soc must be 1..100 %, got ${soc_pct}`)
            pack.initialSoc = soc_pct / 100
        }
        // Every I2C transaction crosses the sim link (~60 ms each, against a fraction of a millisecond on the
        // board), so a tick of the live firmware takes seconds: measured (December 2026, six outputs on, the
        // charger working) 3.7-5.6 s for its ~60 transactions, and up to 13.5 s when the AFE's protections are
        // verified. The emulated watchdog gets 20 s here (1.6 s on the board and in every Node test, where a
        // tick takes milliseconds), or it would cut the outputs of a healthy firmware.
        const bp = boardParamsFor(cfg, pack.series)
        bp.watchdogTimeout_s = LIVE_WATCHDOG_S
        this.world = new World(plantParamsFor(cfg, pack, 25), bp)
        this.plant = this.world.plant
        if (cfg.charger) {
            this.charging = new ChargeHardware(this.world, cfg.charger)
            this.charging.usb.ppsTimeout_s = LIVE_PPS_TIMEOUT_S
        }
        this.link = new SimLinkServer(this.world, levels => this.onPins(levels))
        bus.addServiceProvider(new JDServerServiceProvider("powercoop-plant", [this.link]))
        for (const c of cfg.channels)
            this.firmware.push({ label: c.name, enabled: false, state: "unknown", reason: "waiting for the firmware", current_mA: 0, voltage_mV: 0, power_mW: 0, energy_mWh: 0, limit_mA: 0, max_mA: 0, priority: c.priority, setVoltage_mV: c.stage_mV, quota_Wh: 0, today_mWh: 0, updated_ms: -1 })
        // A sensible default so switching on shows something: a 12 ohm resistive load (~1.2 A).
        this.plant.setLoad(0, { type: "resistive", ohms: 12 })
    }

    now_s(): number {
        return (performance.now() - this.t0) / 1000
    }

    note(text: string): void {
        this.log.push({ seq: ++this.logSeq, t_s: Math.round(this.now_s() * 10) / 10, text })
        if (this.log.length > 200) this.log.shift()
    }

    /** The firmware's pin levels: output enables (bit n) and the watchdog heartbeat. */
    private onPins(levels: number): void {
        this.lastHeard = performance.now()
        this.linkMessages++
        const b = this.world.board
        for (let i = 0; i < b.channelCount(); i++) b.enablePin(i).write(((levels >> i) & 1) === 1)
        b.heartbeatPin().write((levels & HEARTBEAT_BIT) !== 0)
        const c = this.charging
        if (c) {
            c.selUsb.write((levels & INSEL_USB_BIT) !== 0)
            c.selDc.write((levels & INSEL_DC_BIT) !== 0)
        }
    }

    /** The DC inlet's voltage to the firmware's sense pin (the VM has no ADC of its own). */
    private pushDcSense(): void {
        const c = this.charging
        if (!c || !this.linkAlive()) return
        const mV = Math.max(0, Math.min(65535, Math.round(c.dcOpen_mV())))
        const now = performance.now()
        if (Math.abs(mV - this.sentDc_mV) < DC_SENSE_STEP_mV && now - this.sentDc_at < DC_SENSE_EVERY_MS) return
        this.sentDc_mV = mV
        this.sentDc_at = now
        void this.link.sendPacketAsync(Packet.from(0x1000 | CoopSimLinkReg.DcSense, new Uint8Array([mV & 0xff, mV >> 8])))
    }

    /** Plug a USB-C or DC source in by name, or "none" (charge_hardware.ts has the names). */
    plugInput(input: string, name: string): void {
        if (!this.charging) throw new Error("this box has no charger")
        this.charging.plug(input, name)
        this.note(`user: ${input} input ${name === "none" ? "unplugged" : name + " plugged in"}`)
    }

    private updateSwitches(): void {
        const b = this.world.board
        let closed = 0
        let enabled = 0
        let latched = 0
        for (let i = 0; i < b.channelCount(); i++) {
            if (b.switchClosed(i)) closed |= 1 << i
            if (b.enableLevel(i)) enabled |= 1 << i
            if (b.latched[i]) latched |= 1 << i
        }
        const r: SwitchReport = { closedMask: closed, enableMask: enabled, latchedMask: latched, watchdogExpired: b.watchdogExpired, hardwareTrips: b.trips.slice(0), at_ms: performance.now() }
        const prev = this.switches
        this.switches = r
        const trips = (x: SwitchReport) => x.hardwareTrips.join(",")
        if (!prev || prev.closedMask !== r.closedMask || prev.latchedMask !== r.latchedMask || prev.watchdogExpired !== r.watchdogExpired || trips(prev) !== trips(r))
            this.note(`board: switches closed=${r.closedMask.toString(2)} latched=${r.latchedMask.toString(2)} hardware trips=${trips(r)}${r.watchdogExpired ? " WATCHDOG EXPIRED" : ""}`)
    }

    linkAlive(): boolean {
        return performance.now() - this.lastHeard < LINK_TIMEOUT_MS
    }

    start(): void {
        this.lastStep = performance.now()
        this.timers.push(setInterval(() => this.stepPlant(), STEP_MS))
        this.timers.push(setInterval(() => void this.pollFirmware(), POLL_MS))
    }

    stop(): void {
        for (const t of this.timers) clearInterval(t)
        this.timers = []
    }

    private stepPlant(): void {
        const now = performance.now()
        const dt = Math.min(0.05, (now - this.lastStep) / 1000)
        this.lastStep = now
        // A silent VM is a reset MCU: its pins float low (pull-downs), whatever they were.
        if (!this.linkAlive()) {
            const b = this.world.board
            for (let i = 0; i < b.channelCount(); i++) b.enablePin(i).write(false)
        }
        if (dt > 0) this.world.step(dt)
        this.updateSwitches()
        this.pushDcSense()
    }

    /**
     * The firmware's channel services, in channel order. Looked up afresh each time: after a firmware
     * restart the device reappears with new service objects.
     */
    private channelServices(): JDService[] {
        const found = this.bus.services({ serviceClass: SRV_COOP_CHANNEL }).filter(s => !s.device.lost)
        found.sort((a, b) => a.serviceIndex - b.serviceIndex)
        for (let idx = 0; idx < found.length; idx++) {
            const s = found[idx]
            if (this.subscribed.has(s)) continue
            this.subscribed.add(s)
            const ch = idx
            const rejected = s.event(CoopChannelEvent.CommandRejected)
            rejected.on(EVENT, () => {
                const d = rejected.data
                this.note(`firmware ch${ch} refused a command: ${d ? Buffer.from(d).toString("utf8") : "?"}`)
            })
            s.event(CoopChannelEvent.StateChanged).on(EVENT, () => void this.pollFirmware())
        }
        return found
    }

    firmwareBound(): boolean {
        return this.channelServices().length > 0
    }

    /**
     * Refresh what the view shows. The VM sends about 50 Jacdac packets a second in all, and every I2C
     * transaction of the firmware is one of them: the view must leave most of that to the firmware or a
     * six-output tick outlasts the watchdog. So: one packed `telemetry` read per channel per poll (each
     * costs the firmware about three transactions' time), the battery's summary, a channel's strings when
     * its state changed or it was just written, and otherwise one string register per poll, round robin.
     * Polls never overlap.
     */
    async pollFirmware(): Promise<void> {
        if (this.polling) {
            this.pollAgain = true
            return
        }
        this.polling = true
        try {
            do {
                this.pollAgain = false
                await this.pollOnce()
            } while (this.pollAgain)
        } finally {
            this.polling = false
        }
    }

    private async pollOnce(): Promise<void> {
        const svcs = this.channelServices()
        this.polls++
        await this.pollBattery()
        const n = Math.min(svcs.length, this.firmware.length)
        // The round robin's next (channel, register).
        const slow = this.polls % (n * SLOW_REGS.length || 1)
        for (let i = 0; i < n; i++) {
            const s = svcs[i]
            const tel = s.register(CoopChannelReg.Telemetry)
            if (!(await tel.refresh())) continue
            const v = tel.unpackedValue
            if (!v) continue
            const f = this.firmware[i]
            const [voltage, current, power, energy, limit, state, enabled] = v as number[]
            const newState = CHANNEL_STATES[state] || "unknown"
            const left = this.dirty.get(i) || 0
            const all = newState !== f.state || left > 0
            if (left > 1) this.dirty.set(i, left - 1)
            else this.dirty.delete(i)
            for (let k = 0; k < SLOW_REGS.length; k++) if (all || slow === i * SLOW_REGS.length + k) await s.register(SLOW_REGS[k]).refresh()
            f.reason = s.register(CoopChannelReg.StateReason).stringValue || f.reason
            f.label = s.register(CoopChannelReg.Label).stringValue || f.label
            const u = (code: number, old: number) => (s.register(code).data ? s.register(code).uintValue : old)
            f.max_mA = u(CoopChannelReg.MaxCurrent, f.max_mA)
            const pr = s.register(CoopChannelReg.Priority)
            if (pr.data) f.priority = PRIORITIES[pr.uintValue] || "?"
            f.setVoltage_mV = u(CoopChannelReg.OutputVoltage, f.setVoltage_mV)
            f.quota_Wh = u(CoopChannelReg.DailyQuota, f.quota_Wh)
            f.today_mWh = u(CoopChannelReg.EnergyToday, f.today_mWh)
            if (newState !== f.state) this.note(`firmware ch${i}: ${newState} (${f.reason})`)
            Object.assign(f, { voltage_mV: voltage, current_mA: current, power_mW: power, energy_mWh: energy, limit_mA: limit, state: newState, enabled: !!enabled, updated_ms: performance.now() })
        }
    }

    /** The battery service: the packed summary every poll, cells and the last anchor every few. */
    private async pollBattery(): Promise<void> {
        if (!this.bus.services({ serviceClass: SRV_COOP_BATTERY }).some(x => !x.device.lost)) return
        const s = this.batteryService()
        const sum = s.register(CoopBatteryReg.Summary)
        if (!(await sum.refresh())) return
        const v = sum.unpackedValue as number[]
        if (!v) return
        const b = this.battery
        const wasKnown = b.known
        const [capacity, tte, ttf, voltage, current, soc, low, high, health, temp, status] = v
        Object.assign(b, { capacity_mAh: capacity, tte_s: tte, ttf_s: ttf, voltage_mV: voltage, current_mA: current, soc_pm: soc, socLow_pm: low, socHigh_pm: high, health_pm: health, temp_dC: temp, known: status === 1, updated_ms: performance.now() })
        this.batteryPolls++
        const faults = s.register(CoopBatteryReg.Faults)
        if (await faults.refresh()) {
            const f = faults.stringValue || ""
            if (f !== b.faults) this.note(f ? `firmware faults: ${f}` : "firmware faults: none")
            b.faults = f
        }
        const chg = s.register(CoopBatteryReg.Charging)
        if (await chg.refresh()) {
            const [input_mV, input_mA, charge_mA, target_pm, fullIn_s, bled_mWh, balancingMask, input, phase, reason] = chg.unpackedValue as any[]
            const c = b.charging
            if (phase !== c.phase || input !== c.input) this.note(`firmware charging: ${phase}${input ? " from " + input : ""} (${reason})`)
            Object.assign(c, { input_mV, input_mA, charge_mA, target_pm, fullIn_s, bled_mWh, balancingMask, input, phase, reason })
        }
        if (this.batteryPolls % 4 === 1) {
            const ceiling = s.register(CoopBatteryReg.ChargeCeiling)
            if (await ceiling.refresh()) b.charging.ceiling_pm = ceiling.uintValue
            const cells = s.register(CoopBatteryReg.Cells)
            const anchor = s.register(CoopBatteryReg.LastAnchor)
            if (await cells.refresh()) b.cells_mV = ((cells.unpackedValue as any[])[0] || []).map((x: number[]) => x[0])
            if (await anchor.refresh()) {
                const [age, kind] = anchor.unpackedValue as [number, string]
                b.anchorAge_s = age
                b.anchor = kind
            }
        }
        if (b.known !== wasKnown) this.note(`firmware battery: state of charge ${b.known ? "known" : "unknown"} (${(b.socLow_pm / 10).toFixed(0)}-${(b.socHigh_pm / 10).toFixed(0)} %)`)
    }

    /** The firmware's battery service, its command_rejected event heard once. */
    private batteryService(): JDService {
        const s = this.bus.services({ serviceClass: SRV_COOP_BATTERY }).filter(x => !x.device.lost)[0]
        if (!s) throw new Error("the firmware's battery service is not on the bus yet")
        if (!this.subscribed.has(s)) {
            this.subscribed.add(s)
            const rejected = s.event(CoopBatteryEvent.CommandRejected)
            rejected.on(EVENT, () => {
                const d = rejected.data
                this.note(`firmware battery refused a command: ${d ? Buffer.from(d).toString("utf8") : "?"}`)
            })
        }
        return s
    }

    /** A person clears the latched faults (the battery service's clear_faults command). */
    async clearFaults(): Promise<void> {
        const s = this.batteryService()
        this.note("user: clear latched faults")
        await s.sendCmdAsync(CoopBatteryCmd.ClearFaults, undefined, true)
    }

    /** The long-life charge ceiling, per mille, written as-is: the firmware's validator decides (500-1000). */
    async setChargeCeiling(ceiling_pm: number): Promise<void> {
        const s = this.batteryService()
        this.note(`user: charge ceiling ${ceiling_pm / 10} %`)
        await s.register(CoopBatteryReg.ChargeCeiling).sendSetPackedAsync([ceiling_pm], true)
    }

    /** Full in this many hours for a trip (0 cancels); the firmware validates it. */
    async chargeFullBy(in_h: number): Promise<void> {
        const s = this.batteryService()
        this.note(in_h > 0 ? `user: charge full in ${in_h} h` : "user: cancel full-by")
        await s.sendCmdPackedAsync(CoopBatteryCmd.ChargeFullBy, [in_h], true)
    }

    /** Plug a bench charger in (volts, amps) or out (undefined). */
    setCharger(c: { voltage_V: number; current_A: number } | undefined): void {
        if (c && !(c.voltage_V > 0 && c.voltage_V <= 60 && c.current_A > 0 && c.current_A <= 20)) throw new Error("charger: voltage_V 0..60 and current_A 0..20")
        // A bench supply straight onto the pack: with the charging hardware present it stands in for it.
        if (this.charging) this.charging.bench = c
        else this.plant.setCharger(c)
        this.note(c ? `user: charger plugged in, ${c.voltage_V} V ${c.current_A} A` : "user: charger unplugged")
    }

    private service(ch: number): JDService {
        const s = this.channelServices()[ch]
        if (!s) throw new Error(`firmware channel ${ch} is not on the bus yet`)
        return s
    }

    /** Switch a channel through the firmware (a Jacdac write, like a phone would). */
    async setEnabled(ch: number, on: boolean): Promise<void> {
        this.dirty.set(ch, DIRTY_POLLS)
        this.note(`user: ch${ch} ${on ? "on" : "off"}`)
        await this.service(ch).register(CoopChannelReg.Enabled).sendSetBoolAsync(on, true)
    }

    async setLimit(ch: number, limit_mA: number): Promise<void> {
        this.dirty.set(ch, DIRTY_POLLS)
        this.note(`user: ch${ch} limit ${limit_mA} mA`)
        await this.service(ch).register(CoopChannelReg.CurrentLimit).sendSetPackedAsync([limit_mA], true)
    }

    /** A channel setting through its register, sent as-is: the firmware's validator decides (and says why not). */
    async setChannel(ch: number, field: string, value: any): Promise<void> {
        this.dirty.set(ch, DIRTY_POLLS)
        const regs: { [k: string]: number } = { name: CoopChannelReg.Name, priority: CoopChannelReg.Priority, quota_Wh: CoopChannelReg.DailyQuota, voltage_mV: CoopChannelReg.OutputVoltage }
        const code = regs[field]
        if (code === undefined) throw new Error("field must be one of " + Object.keys(regs).join(", "))
        this.note(`user: ch${ch} ${field} ${JSON.stringify(value)}`)
        const reg = this.service(ch).register(code)
        if (field === "name") await reg.sendSetStringAsync(String(value), true)
        else if (field === "priority") {
            const i = PRIORITIES.indexOf(value)
            if (i < 0) throw new Error("priority must be one of " + PRIORITIES.join(", "))
            await reg.sendSetPackedAsync([i], true)
        } else {
            if (typeof value !== "number" || !(value >= 0 && value < 2 ** 32)) throw new Error(field + " must be a number 0..4294967295 (the register is u32)")
            await reg.sendSetPackedAsync([Math.round(value)], true)
        }
    }

    /** Change the load on a channel (plant side: the user plugs something else in). Throws on a bad spec. */
    setLoad(ch: number, load: LoadSpec): void {
        if (!(ch >= 0 && ch < this.plant.outputs.length)) throw new Error(`no channel ${ch}`)
        const problem = validateLoad(load, `load`)
        if (problem) throw new Error(problem)
        this.plant.setLoad(ch, load)
        this.note(`user: ch${ch} load ${describeLoad(load)}`)
    }

    /** The charger's inputs as the board sees them: what is plugged in, selected, the PD contract, the charger. */
    private inputsView(): any {
        const c = this.charging
        const u = c.usb
        const r = c.charger.regulation()
        return {
            usb: c.usbName,
            dc: c.dcName,
            selected: c.path.selected,
            vin_V: Math.round(c.path.vin_V * 100) / 100,
            iin_A: Math.round(c.path.iin_A * 1000) / 1000,
            pd: { kind: u.position ? u.kind : "", contract_mV: u.contract_mV, contract_mA: u.contract_mA, requests: u.requests },
            charger: { enabled: r.enabled, chargeVoltage_mV: Math.round(r.chargeVoltage_V * 1000), chargeCurrent_mA: Math.round(r.chargeCurrent_A * 1000), inputCurrent_mA: Math.round(r.inputCurrent_A * 1000) },
        }
    }

    /** Everything the view shows, as plain JSON. */
    view(): any {
        const p = this.plant
        return {
            t_s: Math.round(this.now_s() * 10) / 10,
            link: { alive: this.linkAlive(), firmwareBound: this.firmwareBound(), messages: this.linkMessages, repeats: this.link.repeats, switches: this.switches },
            pack: {
                chemistry: p.pack.p.chemistry,
                series: p.pack.p.series,
                parallel: p.pack.p.parallel,
                soc_pct: Math.round(p.pack.trueSoc() * 1000) / 10,
                capacity_mAh: Math.round(p.pack.trueCapacity_Ah() * 1000),
                cellSoc_pct: p.pack.cellVoltages_V().map((v, i) => Math.round(p.pack.cellSoc(i) * 1000) / 10),
                voltage_V: Math.round(p.bus_V * 1000) / 1000,
                current_A: Math.round(p.packCurrent_A * 1000) / 1000,
                temp_C: Math.round(p.pack.temperature_C * 10) / 10,
                charger: p.charger ? { voltage_V: p.charger.voltage_V, current_A: p.charger.current_A, delivering_A: Math.round(p.chargerCurrent_A * 1000) / 1000 } : null,
                inputs: this.charging ? this.inputsView() : null,
            },
            battery: this.battery,
            channels: p.outputs.map((o, i) => ({
                index: i,
                load: o.load,
                loadText: describeLoad(o.load),
                plant: {
                    switchClosed: o.switchClosed,
                    current_mA: Math.round(o.current_A * 1000),
                    voltage_mV: Math.round(o.meterVoltage_V * 1000),
                    power_mW: Math.round(o.meterVoltage_V * o.current_A * 1000),
                    energy_mWh: Math.round((o.meteredEnergy_J / 3.6) * 10) / 10,
                },
                firmware: this.firmware[i],
            })),
            log: this.log.slice(-30),
        }
    }
}
