// A DigitalOut on a GPIO. The board file's sPin already holds the pin low from reset; this keeps it so.
import * as ds from "@devicescript/core"
import "@devicescript/gpio"
import { DigitalOut } from "../core/io"

export class GpioOut implements DigitalOut {
    private pin: ds.OutputPin
    constructor(pin: ds.OutputPin) {
        this.pin = pin
        pin.setMode(ds.GPIOMode.OutputLow)
    }
    write(high: boolean): void {
        this.pin.write(high)
    }
}
