// The box's charging hardware on the emulated board: the AP33772S PD sink and BQ25756 charger on the bus,
// the two input-select lines (ideal-diode controllers' enables) and the DC input's sense divider, with the
// charger path in the plant (sim/plant/charger_path.ts). Built apart from Board so that boards and test
// images without a charger carry none of it.
import { World } from "./world"
import { Ap33772sEmulator } from "../emulators/ap33772s"
import { Bq25756Emulator } from "../emulators/bq25756"
import { ChargerPath } from "../plant/charger_path"
import { Plant } from "../plant/plant"
import { FlakySource, MultiPortCharger, PdSource, laptopCharger65W, phoneCharger20W, weakCharger } from "../plant/pd_source"
import { CarSupply, DcSource, solar100W } from "../plant/dc_source"
import { DigitalOut } from "../../src/core/io"
import { ChargerConfig } from "../../src/core/box_config"
import { ChargeController, chargerFor } from "../../src/core/charging/charge_controller"

class SelectLine implements DigitalOut {
    level = false
    write(high: boolean): void {
        this.level = high
    }
}

export class ChargeHardware {
    readonly usb: Ap33772sEmulator
    readonly charger: Bq25756Emulator
    readonly path: ChargerPath
    readonly selUsb = new SelectLine()
    readonly selDc = new SelectLine()
    /** A bench supply wired straight to the pack (the live simulator's `charge V A`): it bypasses the charger. */
    bench: { voltage_V: number; current_A: number } = undefined
    /** What is plugged in, by name ("" when nothing): for the views. */
    usbName = ""
    dcName = ""
    private t_s = 0

    constructor(world: World, cfg: ChargerConfig) {
        this.usb = new Ap33772sEmulator(cfg.pdAddress)
        this.charger = new Bq25756Emulator(cfg.chargerAddress, cfg.board.dividerNominal_mV / 1000)
        world.board.bus.attach(this.usb)
        world.board.bus.attach(this.charger)
        this.path = new ChargerPath(this.usb, this.charger)
        world.charger = this
    }

    /** Plug a USB-C source in (undefined: unplug). */
    plugUsb(s: PdSource): void {
        if (s) this.usb.attach(s)
        else this.usb.detach()
    }

    plugDc(s: DcSource): void {
        this.path.dc = s
    }

    /** The DC inlet's voltage with nothing drawn, mV (what the firmware's sense divider sees). */
    dcOpen_mV(): number {
        const dc = this.path.dc
        return dc ? dc.voltage_V(0, this.t_s) * 1000 : 0
    }

    before(plant: Plant, t_s: number): void {
        this.t_s = t_s
        if (this.bench) {
            plant.setCharger(this.bench)
            return
        }
        // Break before make is the firmware's job; both lines high would short the inputs together.
        if (this.selUsb.level && this.selDc.level) throw new Error("both charger inputs selected at once")
        this.path.selected = this.selUsb.level ? "usb" : this.selDc.level ? "dc" : ""
        this.path.before(plant, t_s)
    }

    after(plant: Plant, dt_s: number): void {
        if (!this.bench) this.path.after(plant, dt_s)
    }

    /** Plug a source in by name (USB_SOURCES / DC_SOURCES), or "none"; throws on an unknown name. */
    plug(input: string, name: string): void {
        const table = input === "usb" ? USB_SOURCES : input === "dc" ? DC_SOURCES : undefined
        if (!table) throw new Error("input must be usb or dc")
        const make = (table as any)[name]
        if (name !== "none" && !make) throw new Error(`${input} source must be one of none, ${Object.keys(table).join(", ")}`)
        if (input === "usb") {
            this.plugUsb(make ? make() : undefined)
            this.usbName = make ? name : ""
        } else {
            this.plugDc(make ? make() : undefined)
            this.dcName = make ? name : ""
        }
    }
}

/** Sources a person can plug in (the live simulator's `usb NAME` / `dc NAME`). */
export const USB_SOURCES: { [name: string]: () => PdSource } = {
    phone20: phoneCharger20W,
    laptop65: laptopCharger65W,
    multiport100: () => new MultiPortCharger(1200, 2400),
    weak: weakCharger,
    flaky: () => new FlakySource(600, 20),
}
export const DC_SOURCES: { [name: string]: () => DcSource } = {
    solar: () => solar100W(() => 1000),
    car12: () => new CarSupply("12 V car", 12, 0, 1e9),
    truck24: () => new CarSupply("24 V truck", 24, 0, 1e9),
    parked12: () => new CarSupply("12 V car, engine off", 12, 1e9, 1e9),
}

/** The firmware's charger wired to this hardware, as a shell wires it to the real board. */
export function chargingFor(world: World, cfg: ChargerConfig): { hw: ChargeHardware; ctl: ChargeController } {
    const hw = new ChargeHardware(world, cfg)
    const ctl = chargerFor(cfg, world.board.bus, hw.selUsb, hw.selDc, () => hw.dcOpen_mV())
    return { hw, ctl }
}
