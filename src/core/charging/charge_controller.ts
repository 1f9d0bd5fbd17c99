// Charging as one piece: each battery period it polls the USB-C input (PdSink), looks at the DC input,
// picks the input, decides the charge (charge_policy.ts) and programs the BQ25756 (limits, enable,
// watchdog kick). Portable. NOT YET IN THE DEVICE IMAGE: the supervisor does not call it until code space
// is freed (docs/charging.md); the charging benchmark runs it in Node against the plant.
import { Chemistry } from "../battery/chemistry"
import { Bq25756 } from "../../drivers/bq25756"
import { DigitalOut } from "../io"
import { CHARGER_EFFICIENCY_FLOOR, ChargeDecision, ChargeMemory, ChargeSettings, decideCharge } from "./charge_policy"
import { DcInput, selectInput } from "./dc_input"
import { PdSink } from "./pd_sink"
import { BalancePlan } from "./balance"

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

export class ChargeController {
    readonly pd: PdSink
    readonly chg: Bq25756
    readonly dc = new DcInput()
    private selUsb: DigitalOut
    private selDc: DigitalOut
    private chem: Chemistry
    private board: ChargeBoard
    settings: ChargeSettings
    private mem: ChargeMemory = { done: false }
    /** The selected input and the last decision (for the snapshot). */
    input = ""
    decision: ChargeDecision = undefined
    /** The settings last written to the charger ("": none yet). */
    private written = ""
    /** Balancing: the plan, and where its bleed mask goes (the AFE's CB_ACTIVE_CELLS; undefined: no balancing). */
    readonly balance = new BalancePlan()
    bleed: (mask: number) => Promise<void> = undefined
    private last_ms = -1
    /** The owner's rating for the DC source, mA, and whether it is a car (parked-car protection). */
    dcRating_mA = 8000
    carMode = false

    constructor(pd: PdSink, chg: Bq25756, selUsb: DigitalOut, selDc: DigitalOut, chem: Chemistry, board: ChargeBoard, settings: ChargeSettings) {
        this.pd = pd
        this.chg = chg
        this.selUsb = selUsb
        this.selDc = selDc
        this.chem = chem
        this.board = board
        this.settings = settings
        selUsb.write(false)
        selDc.write(false)
    }

    /** One period. `dcOpen_mV`: the DC input's voltage at its connector (its own divider on the MCU's ADC). */
    async step(now_ms: number, pack: PackState, outputs_mW: number, held: boolean, dcOpen_mV: number): Promise<void> {
        const b = this.board
        const pack_mV = this.chem.maxCharge_mV * pack.series
        // What the box could use: the charge current at the standard rate plus the outputs, through the charger.
        const want_mW = Math.round(((pack.capacity_mAh * 0.5 * pack_mV) / 1000 + outputs_mW) / CHARGER_EFFICIENCY_FLOOR)
        await this.pd.poll(now_ms, { inMin_mV: b.inMin_mV, inMax_mV: b.inMax_mV, cable_mA: b.usbCable_mA, want_mW, derate: 1 })
        const adc = await this.chg.readAdc()
        const onDc = this.input === "dc"
        const dcLim = this.dc.step(now_ms, onDc ? adc.vbus_mV : dcOpen_mV, onDc ? adc.ibus_mA : 0, this.dcRating_mA, b.dc_mA, this.carMode)
        // DC's power: what it gives now while selected, else what it could give at its floor and limit.
        const dc_mW = !dcLim.allowed ? 0 : onDc ? Math.max((adc.vbus_mV * adc.ibus_mA) / 1000, 1) : (dcLim.floor_mV * dcLim.current_mA) / 1000
        const usb_mW = this.pd.power_mW()
        const sel = selectInput(usb_mW, dc_mW, this.input)
        if (sel !== this.input) {
            // Break before make: never both inputs at once.
            this.selUsb.write(false)
            this.selDc.write(false)
            this.input = sel
        }
        this.selUsb.write(sel === "usb")
        this.selDc.write(sel === "dc")
        // The input the decision shares out: the contract, or what the DC source can give at its floor and limit.
        const input_mW = sel === "usb" ? usb_mW : sel === "dc" ? (dcLim.floor_mV * dcLim.current_mA) / 1000 : 0
        const d = decideCharge(this.chem, this.settings, {
            now_ms, series: pack.series, capacity_mAh: pack.capacity_mAh, soc_pm: pack.soc_pm, cellMax_mV: pack.cellMax_mV, temp_C: pack.temp_C,
            charge_mA: Math.max(0, adc.ibat_mA), lastFull_ms: pack.lastFull_ms, input_mW, outputs_mW, efficiency: CHARGER_EFFICIENCY_FLOOR, held,
        }, this.mem)
        this.decision = d
        const on = d.charge && d.current_mA >= MIN_CHARGE_mA
        // The input's limits: the PD contract's current, or the DC source's rating and floor.
        const c = this.pd.contract
        const inI = sel === "usb" && c ? c.mA : dcLim.current_mA
        const inV = sel === "usb" && c ? Math.round(c.mV * 0.85) : sel === "dc" ? dcLim.floor_mV : b.inMin_mV
        // The charge voltage can only be trimmed -2 % .. +2 % around the divider (docs/charging.md): a partial
        // ceiling's lower voltage is clamped up to the trim's floor, and that charge ends on the state of charge.
        const lo_mV = Math.ceil((b.dividerNominal_mV * 1504) / 1536)
        const hi_mV = Math.min(pack_mV, Math.floor((b.dividerNominal_mV * 1566) / 1536))
        const cv_mV = Math.max(lo_mV, Math.min(hi_mV, on ? d.pack_mV : lo_mV))
        await this.bleedStep(now_ms, pack, on)
        const cfg = { dividerNominal_mV: b.dividerNominal_mV, chargeVoltage_mV: cv_mV, chargeCurrent_mA: on ? d.current_mA : MIN_CHARGE_mA, inputCurrent_mA: Math.max(inI, 500), inputVoltageMin_mV: inV, prechargeCurrent_mA: 250, termCurrent_mA: Math.max(250, Math.round(pack.capacity_mAh * 0.05)), chargeEnabled: on }
        // Written only when something changed (or the chip's watchdog expired and it forgot); otherwise only
        // the watchdog is kicked.
        const key = cv_mV + "," + cfg.chargeCurrent_mA + "," + cfg.inputCurrent_mA + "," + inV + "," + cfg.termCurrent_mA + "," + on
        if (key === this.written) {
            try {
                await this.chg.kickWatchdog()
                return
            } catch (e) {
                // Expired: the chip is back at its defaults, with charging off; configure it again below.
            }
        }
        await this.chg.configure(cfg)
        this.written = key
    }

    private async bleedStep(now_ms: number, pack: PackState, charging: boolean): Promise<void> {
        const dt_s = this.last_ms < 0 ? 0 : (now_ms - this.last_ms) / 1000
        this.last_ms = now_ms
        if (!this.bleed) return
        const mask = this.balance.step({ soc: pack.cellSoc, capacity_mAh: pack.cellCapacity_mAh, cell_mV: pack.cell_mV, atRest: pack.atRest, charging, maxCharge_mV: this.chem.maxCharge_mV, temp_C: pack.boardTemp_C }, dt_s)
        await this.bleed(mask)
    }
}
