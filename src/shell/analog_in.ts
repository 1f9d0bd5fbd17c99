// A voltage through a divider on an ADC pin, mV at the divider's top. DeviceScript gives the pin's reading as
// 0..1 of the ADC's full scale; ADC_FULL_SCALE_mV is the usual 3.3 V (verify per chip and attenuation: the
// ESP32-S3's 11 dB range ends near 3.1 V). Good enough to see whether a DC source is there and roughly how
// strong; once it is selected, the charger's own ADC measures it precisely.
import * as ds from "@devicescript/core"
import "@devicescript/gpio"

const ADC_FULL_SCALE_mV = 3300

export function dividedSense_mV(pin: ds.InputPin, ratio: number): () => number {
    pin.setMode(ds.GPIOMode.AnalogIn)
    return () => Math.round((pin.value as number) * ADC_FULL_SCALE_mV * ratio)
}
