// The box's charging path in the plant: a USB-C source behind the AP33772S (its contract and VBUS switch)
// or a DC source, selected by the firmware's input-select line, into the BQ25756, whose output feeds the pack
// bus (so the outputs run from the input while it charges). Each step:
//   before(): what the charger can deliver now, from its registers (regulation()) and the input: the input
//     current that keeps the input above the charger's floor (VINDPM) and under its input limit, times the
//     converter's efficiency, gives the output current limit; the plant does CC/CV at the charge voltage.
//   after(): the input current that output took, fed back to the source (its sag, the AP33772S's UVP, a car
//     battery's drain) and to the charger's ADC.
import { Plant } from "./plant"
import { DcSource } from "./dc_source"
import { Ap33772sEmulator } from "../emulators/ap33772s"
import { Bq25756Emulator } from "../emulators/bq25756"

/** Buck-boost efficiency: best with input near the battery voltage; a fixed loss on top (gate drive, controller). */
export function chargerEfficiency(vin_V: number, vbat_V: number): number {
    if (!(vin_V > 0 && vbat_V > 0)) return 0
    return 0.965 - 0.03 * Math.abs(Math.log(vin_V / vbat_V))
}
export const CHARGER_FIXED_LOSS_W = 0.3

export class ChargerPath {
    readonly usb: Ap33772sEmulator
    readonly charger: Bq25756Emulator
    dc: DcSource = undefined
    /** The firmware's input select: "usb", "dc" or "" (both off). */
    selected = ""
    /** The last step: input voltage and current, output (bus) power, the most the input and charger allowed. */
    vin_V = 0
    iin_A = 0
    out_W = 0
    allowed_W = 0
    private t_s = 0

    constructor(usb: Ap33772sEmulator, charger: Bq25756Emulator) {
        this.usb = usb
        this.charger = charger
    }

    /** The selected input's voltage at `iin_A` (0 when it gives nothing). */
    private vin(iin_A: number): number {
        if (this.selected === "usb") {
            const s = this.usb.source
            return s && this.usb.switchClosed() ? s.vbus_V(this.usb.contract_mV, iin_A, this.t_s) : 0
        }
        if (this.selected === "dc" && this.dc) return this.dc.voltage_V(iin_A, this.t_s)
        return 0
    }

    /** The largest input current within the charger's input limit that keeps the input at or above its floor. */
    private inputCurrent_A(limit_A: number, floor_V: number): number {
        if (this.vin(limit_A) >= floor_V) return limit_A
        let lo = 0
        let hi = limit_A
        for (let k = 0; k < 24; k++) {
            const mid = (lo + hi) / 2
            if (this.vin(mid) >= floor_V) lo = mid
            else hi = mid
        }
        return lo
    }

    before(plant: Plant, t_s: number): void {
        this.t_s = t_s
        const r = this.charger.regulation()
        const vbat = plant.bus_V > 0 ? plant.bus_V : r.chargeVoltage_V
        const open = this.vin(0)
        if (!r.enabled || !(open > 4.2)) {
            plant.setCharger(undefined)
            this.allowed_W = 0
            return
        }
        const iin = this.inputCurrent_A(r.inputCurrent_A, r.inputVoltageMin_V)
        const pin = this.vin(iin) * iin
        const eta = chargerEfficiency(this.vin(iin), vbat)
        const out_W = Math.max(0, pin * eta - CHARGER_FIXED_LOSS_W)
        this.allowed_W = out_W
        const i = Math.min(r.chargeCurrent_A, out_W / vbat)
        plant.setCharger(i > 0.001 ? { voltage_V: r.chargeVoltage_V, current_A: i } : undefined)
    }

    after(plant: Plant, dt_s: number): void {
        const ichg = plant.chargerCurrent_A
        this.out_W = plant.bus_V * ichg
        let iin = 0
        if (this.out_W > 0) {
            let v = this.vin(0)
            for (let k = 0; k < 3 && v > 0; k++) {
                iin = (this.out_W + CHARGER_FIXED_LOSS_W) / (chargerEfficiency(v, plant.bus_V) * v)
                v = this.vin(iin)
            }
        }
        this.iin_A = iin
        this.usb.step(dt_s, this.selected === "usb" ? iin : 0)
        this.vin_V = this.selected === "usb" ? this.usb.vbus_V : this.vin(iin)
        if (this.selected === "dc" && this.dc) this.dc.voltage_V(iin, this.t_s + dt_s)
        this.charger.measure({ vbus_V: this.vin_V, ibus_A: iin, vbat_V: plant.bus_V, ibat_A: ichg, dieTemp_C: 40, ts_pct: 50 })
        this.charger.setState(plant.chargerMode === "cc" ? "cc" : plant.chargerMode === "cv" ? "cv" : "off")
        this.charger.step(dt_s)
    }
}
