// Charging as one piece: each battery period it polls the USB-C input (PdSink), looks at the DC input,
// picks the input, decides the charge (charge_policy.ts), plans balancing and programs the BQ25756 (limits,
// enable, watchdog kick). Portable. The supervisor drives it through the ChargingPort interface: a box
// without a charger simply has none (and its image carries none of this code).
import { Chemistry, chemistryById } from "../battery/chemistry"
import { BQ25756_STOPPING_FAULTS, Bq25756, Bq25756Adc, Bq25756Settings, bq25756Configure, bq25756FaultText, bq25756Faults, bq25756KickWatchdog, bq25756ReadAdc } from "../../drivers/bq25756"
import { Ap33772s } from "../../drivers/ap33772s"
import { Bus } from "../../drivers/bus"
import type { ChargerConfig } from "../box_config"
import { DigitalOut } from "../io"
import { errorText } from "../persist"
import { ChargingSnapshot } from "../snapshot"
import { BatteryMonitor } from "../battery/monitor"
import { Bq76907, bq76907SetBalancing } from "../../drivers/bq76907"
import { CHARGER_EFFICIENCY_FLOOR, DEFAULT_CEILING_pm, ChargeDecision, ChargeInputs, ChargeMemory, ChargeSettings, decideCharge } from "./charge_policy"
import { PdLimits } from "./pd_policy"
import { DcInput, dcStep, selectInput } from "./dc_input"
import { PdSink, pdPoll } from "./pd_sink"
import { BalancePlan, balanceStep } from "./balance"

/** What the supervisor needs from a charger (src/core/supervisor.ts); ChargeController is the one there is. */
export interface ChargingPort {
    settings: ChargeSettings
    /** Box time of the last full charge, NaN for never (the supervisor saves and restores its age). */
    lastFull_ms: number
    /** Where events go (the supervisor's log). */
    note: (message: string) => void
    /** One battery period: `held` when a protection forbids charging, `outputs_mW` what the outputs draw. */
    stepBox(now_ms: number, battery: BatteryMonitor, outputs_mW: number, held: boolean): Promise<void>
    snapshot(now_ms: number): ChargingSnapshot
}

/** What the controller needs to know about the pack (from the battery monitor). */
export interface PackState {
    series: number
    capacity_mAh: number
    soc_pm: number
    cellMax_mV: number
    temp_C: number
    lastFull_ms: number
    /** Per series group: voltage, SOC (0..1) and capacity; the pack at rest long enough to trust the SOCs. */
    cell_mV: number[]
    cellSoc: number[]
    cellCapacity_mAh: number[]
    /** Per series group: the SOC's standard deviation (empty: exact). */
    cellSigma: number[]
    atRest: boolean
    /** The board (AFE die) temperature, for the bleed resistors. */
    boardTemp_C: number
}

/** The board's charging hardware limits. */
export interface ChargeBoard {
    /** The charger's FB divider nominal (pack mV at the trim's middle) for this pack. */
    dividerNominal_mV: number
    /** Input window the board takes, and the most input current it carries per input. */
    inMin_mV: number
    inMax_mV: number
    usbCable_mA: number
    dc_mA: number
}

/** BQ25756's smallest charge current setting: below it, charging is switched off instead. */
const MIN_CHARGE_mA = 400
/** The pack is at rest (its SOCs OCV-anchored, balancing may plan) after this long below C/100. */
const REST_C = 0.01

export class ChargeController implements ChargingPort {
    readonly pd: PdSink
    readonly chg: Bq25756
    readonly dc = new DcInput()
    private selUsb: DigitalOut
    private selDc: DigitalOut
    chem: Chemistry
    private board: ChargeBoard
    /** What the PD sink may ask for, and what the charger is set to: kept, updated each period. */
    private limits: PdLimits
    private chargerCfg: Bq25756Settings
    settings: ChargeSettings
    private mem: ChargeMemory = { done: false }
    /** The selected input, the last decision and charger reading (for the snapshot). */
    input = ""
    decision: ChargeDecision
    adc: Bq25756Adc
    lastFull_ms = NaN
    /** What the DC input's tracker says (a parked car's battery is refused: the person should know why). */
    dcWhy = ""
    /** Why charging cannot run at all ("" when it can): a charger that does not answer, a divider for another pack. */
    problem = ""
    note: (message: string) => void
    /** The settings last written to the charger ("": none yet). */
    private written = ""
    /** Balancing: the plan, and where its bleed mask goes (undefined: the AFE's CB_ACTIVE_CELLS; benchmarks bleed the plant). */
    readonly balance = new BalancePlan()
    bleed: (mask: number) => Promise<void>
    afe: Bq76907
    bledMask = 0
    private cells = 0
    last_ms = -1
    private busySince_ms = 0
    /** The owner's rating for the DC source, mA, and whether it is a car (parked-car protection). */
    dcRating_mA = 8000
    carMode = false
    /** The DC input's open voltage at its connector (its own divider on the MCU's ADC); undefined: no DC input. */
    dcSense: () => number

    constructor(pd: PdSink, chg: Bq25756, selUsb: DigitalOut, selDc: DigitalOut, chem: Chemistry, board: ChargeBoard, settings: ChargeSettings) {
        this.pd = pd
        this.chg = chg
        this.selUsb = selUsb
        this.selDc = selDc
        this.chem = chem
        this.board = board
        this.settings = settings
        this.limits = { inMin_mV: board.inMin_mV, inMax_mV: board.inMax_mV, cable_mA: board.usbCable_mA, want_mW: 0, derate: 1 }
        this.chargerCfg = { dividerNominal_mV: board.dividerNominal_mV, chargeVoltage_mV: 0, chargeCurrent_mA: 0, inputCurrent_mA: 0, inputVoltageMin_mV: 0, prechargeCurrent_mA: 250, termCurrent_mA: 0, chargeEnabled: false }
        selUsb.write(false)
        selDc.write(false)
        const self = this
        pd.note = m => say(self, m)
    }

    /**
     * One battery period from the box's own view of the pack: the estimator's state of charge and per-group
     * estimates, the AFE's cells and temperatures. Without a pack reading nothing charges. Errors stay here:
     * a charger that does not answer stops by itself when its watchdog expires.
     */
    async stepBox(now_ms: number, battery: BatteryMonitor, outputs_mW: number, held: boolean): Promise<void> {
        const r = battery.reading
        const est = battery.est
        const was = this.problem
        const chem = chemistryById(battery.pack.chemistry)
        this.problem = ""
        this.afe = battery.afe
        this.chem = chem
        // Without a pack reading: nothing charges, and the pack looks busy (no balancing plan).
        const pack: PackState = { series: battery.pack.series, capacity_mAh: 0, soc_pm: 0, cellMax_mV: 0, temp_C: NaN, lastFull_ms: this.lastFull_ms, cell_mV: [], cellSoc: [], cellCapacity_mAh: [], cellSigma: [], atRest: false, boardTemp_C: NaN }
        let busy = true
        if (r && est && battery.status !== "fault") {
            const e = est.estimate()
            const cap_mAh = e.capacity_Ah * 1000
            pack.capacity_mAh = cap_mAh
            pack.soc_pm = Math.round(e.soc * 1000)
            pack.cell_mV = r.cell_mV
            for (const v of r.cell_mV) if (v > pack.cellMax_mV) pack.cellMax_mV = v
            pack.temp_C = r.ts_C === r.ts_C ? r.ts_C : r.dieTemp_C
            pack.boardTemp_C = r.dieTemp_C
            for (const g of e.groups) {
                pack.cellSoc.push(g.soc)
                pack.cellCapacity_mAh.push(g.q_Ah * 1000)
                pack.cellSigma.push(g.sigma)
            }
            // At rest: no more than C/100 for the chemistry's rest time (the estimator anchors its SOCs then).
            if (Math.abs(r.current_A * 1000) <= cap_mAh * REST_C) busy = false
        } else {
            held = true
            this.problem = "no pack reading"
        }
        if (busy) this.busySince_ms = now_ms
        pack.atRest = now_ms - this.busySince_ms >= chem.rest_s * 1000
        try {
            await this.step(now_ms, pack, outputs_mW, held, this.dcSense ? this.dcSense() : 0)
        } catch (err) {
            this.problem = `charger: ${errorText(err)}`
            // Written again once it answers: it may have reset meanwhile.
            this.written = ""
            this.bledMask = -1
        }
        if (this.problem !== was) say(this, this.problem === "" ? "charging: working again" : `charging stopped: ${this.problem}`)
    }

    /** One period. `dcOpen_mV`: the DC input's voltage at its connector (its own divider on the MCU's ADC). */
    async step(now_ms: number, pack: PackState, outputs_mW: number, held: boolean, dcOpen_mV: number): Promise<void> {
        const b = this.board
        const pd = this.pd
        const chem = this.chem
        const was = this.input
        const pack_mV = chem.maxCharge_mV * pack.series
        // What the box could use: the charge current at the standard rate plus the outputs, through the charger.
        const lim = this.limits
        lim.want_mW = Math.round(((pack.capacity_mAh * 0.5 * pack_mV) / 1000 + outputs_mW) / CHARGER_EFFICIENCY_FLOOR)
        await pdPoll(pd, now_ms, lim)
        const adc = await bq25756ReadAdc(this.chg)
        this.adc = adc
        // The chip stops by itself on its own faults (input over-voltage, thermal shutdown, its thermistor, ...) and
        // resumes when they clear: say which, so a charge that stopped is never a mystery.
        const stopped = (await bq25756Faults(this.chg)) & BQ25756_STOPPING_FAULTS
        if (stopped !== 0) this.problem = `the charger reports ${bq25756FaultText(stopped)}`
        let vin_mV = dcOpen_mV
        let iin_mA = 0
        if (was === "dc") {
            vin_mV = adc.vbus_mV
            iin_mA = adc.ibus_mA
        }
        const dcLim = dcStep(this.dc, now_ms, vin_mV, iin_mA, this.dcRating_mA, b.dc_mA, this.carMode)
        this.dcWhy = dcLim.reason
        // DC's power: what it gives now while selected, else what it could give at its floor and limit.
        const dcCan_mW = (dcLim.floor_mV * dcLim.current_mA) / 1000
        let dc_mW = 0
        if (dcLim.allowed) dc_mW = was === "dc" ? Math.max((vin_mV * iin_mA) / 1000, 1) : dcCan_mW
        // The contract in force gives this now (0 without one). While a new request is pending the old
        // contract still holds (the source keeps it until it accepts another), and a PPS refresh changes nothing.
        const c = pd.contract
        let usb_mW = 0
        if (c) usb_mW = c.power_mW
        const sel = selectInput(usb_mW, dc_mW, was)
        const usb = sel === "usb"
        const dc = sel === "dc"
        if (sel !== was) {
            // Break before make: never both inputs at once.
            this.selUsb.write(false)
            this.selDc.write(false)
            this.input = sel
        }
        this.selUsb.write(usb)
        this.selDc.write(dc)
        // The charge voltage can only be trimmed -2 % .. +2 % around the board's FB divider (docs/charging.md): a
        // partial ceiling's lower voltage is clamped up to the trim's floor, and that charge ends on the state of
        // charge. A pack whose full voltage is below the floor (the divider was sized for another pack) is never
        // charged: its cells would pass their limit.
        const divider_mV = b.dividerNominal_mV
        const lo_mV = Math.ceil((divider_mV * 1504) / 1536)
        const hi_mV = Math.min(pack_mV, Math.floor((divider_mV * 1566) / 1536))
        if (pack_mV < lo_mV) {
            held = true
            this.problem = `the charger's voltage divider is for ${divider_mV} mV; this pack is full at ${pack_mV} mV`
        }
        // The decision's inputs: the pack, plus the input it shares out (the contract, or what the DC source can
        // give at its floor and limit). Written into the pack record rather than a second object.
        const inp = pack as unknown as ChargeInputs
        inp.now_ms = now_ms
        inp.charge_mA = Math.max(0, adc.ibat_mA)
        inp.input_mW = usb ? usb_mW : dc ? dcCan_mW : 0
        inp.outputs_mW = outputs_mW
        inp.efficiency = CHARGER_EFFICIENCY_FLOOR
        inp.held = held
        const d = decideCharge(chem, this.settings, inp, this.mem)
        this.decision = d
        if (d.phase === "done") if (d.target_pm >= 1000) this.lastFull_ms = now_ms
        const on = d.charge && d.current_mA >= MIN_CHARGE_mA
        // The input's limits: the PD contract's current and 85 % of its voltage, or the DC source's rating and floor.
        const cfg = this.chargerCfg
        let inI_mA = dcLim.current_mA
        let inV_mV = dc ? dcLim.floor_mV : b.inMin_mV
        if (usb)
            if (c) {
                inI_mA = c.mA
                inV_mV = Math.round(c.mV * 0.85)
            }
        cfg.chargeVoltage_mV = Math.max(lo_mV, Math.min(hi_mV, on ? d.pack_mV : lo_mV))
        cfg.chargeCurrent_mA = on ? d.current_mA : MIN_CHARGE_mA
        cfg.inputCurrent_mA = Math.max(inI_mA, 500)
        cfg.inputVoltageMin_mV = inV_mV
        cfg.termCurrent_mA = Math.max(250, Math.round(pack.capacity_mAh * 0.05))
        cfg.chargeEnabled = on
        this.cells = pack.cell_mV.length
        await bleedStep(this, now_ms, pack, on)
        // Written only when something changed (or the chip's watchdog expired and it forgot); otherwise only
        // the watchdog is kicked.
        const key = `${cfg.chargeVoltage_mV},${cfg.chargeCurrent_mA},${cfg.inputCurrent_mA},${inV_mV},${cfg.termCurrent_mA},${on}`
        if (key === this.written) {
            try {
                await bq25756KickWatchdog(this.chg)
                return
            } catch (e) {
                // Expired: the chip is back at its defaults, with charging off; configure it again below.
            }
        }
        await bq25756Configure(this.chg, cfg)
        this.written = key
    }

    snapshot(now_ms: number): ChargingSnapshot {
        const d = this.decision
        const c = this.pd.contract
        const a = this.adc
        const s = this.settings
        const cells: number[] = []
        const mask = Math.max(0, this.bledMask)
        for (let i = 0; i < this.cells; i++) cells.push((mask >> i) & 1)
        const snap: ChargingSnapshot = {
            input: this.input, phase: "starting", reason: "", input_mV: 0, input_mA: 0, charge_mA: 0, target_pm: s.ceiling_pm, ceiling_pm: s.ceiling_pm,
            fullIn_s: -1, balancing: cells, bled_mWh: Math.round(this.balance.bled_mWh),
        }
        if (s.fullBy_ms >= 0) snap.fullIn_s = Math.max(0, Math.round((s.fullBy_ms - now_ms) / 1000))
        if (d) {
            snap.phase = d.phase
            snap.reason = d.reason
            snap.target_pm = d.target_pm
        }
        if (snap.phase === "no input") {
            if (this.dcWhy !== "no DC input") snap.reason = this.dcWhy
        }
        if (this.problem !== "") {
            snap.phase = "fault"
            snap.reason = this.problem
        }
        if (a) {
            snap.charge_mA = Math.max(0, a.ibat_mA)
            if (this.input === "dc") {
                snap.input_mV = a.vbus_mV
                snap.input_mA = Math.round(a.ibus_mA)
            }
        }
        if (c) {
            if (this.input === "usb") {
                snap.input_mV = c.mV
                snap.input_mA = c.mA
            }
        }
        return snap
    }
}

function say(ctl: ChargeController, message: string): void {
    if (ctl.note) ctl.note(message)
}

/** Balancing for one period: the plan's mask, written to the AFE only when it changes (the AFE keeps it). */
async function bleedStep(ctl: ChargeController, now_ms: number, pack: PackState, charging: boolean): Promise<void> {
    const dt_s = ctl.last_ms < 0 ? 0 : (now_ms - ctl.last_ms) / 1000
    ctl.last_ms = now_ms
    const mask = balanceStep(ctl.balance, { soc: pack.cellSoc, capacity_mAh: pack.cellCapacity_mAh, sigma: pack.cellSigma, cell_mV: pack.cell_mV, atRest: pack.atRest, charging, maxCharge_mV: ctl.chem.maxCharge_mV, temp_C: pack.boardTemp_C }, dt_s)
    if (mask !== ctl.bledMask) {
        if (ctl.bleed) await ctl.bleed(mask)
        else if (ctl.afe) await bq76907SetBalancing(ctl.afe, mask)
        ctl.bledMask = mask
    }
}

/**
 * The box's charger as its board wires it: the PD sink and charger on the bus, the two input-select lines
 * (both low at reset), and the DC input's sense (connector mV; undefined on a board without it).
 */
export function chargerFor(cfg: ChargerConfig, bus: Bus, selUsb: DigitalOut, selDc: DigitalOut, dcSense: () => number): ChargeController {
    const ctl = new ChargeController(new PdSink(new Ap33772s(bus, cfg.pdAddress), undefined), new Bq25756(bus, cfg.chargerAddress), selUsb, selDc, undefined, cfg.board, { ceiling_pm: DEFAULT_CEILING_pm, fullBy_ms: -1 })
    ctl.dcSense = dcSense
    return ctl
}
