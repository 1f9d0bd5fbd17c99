// The DC input: a solar panel tracked to its maximum power point, a car charged from only while it can
// spare it, and the choice between USB-C and DC. Portable logic against the plant's sources (Node and VM).
import { CarSupply, solar100W, clearDay } from "../../sim/plant/dc_source"
import { DcInput, MPPT_PERIOD_ms, PARKED_MIN_mV, dcStep, selectInput } from "../../src/core/charging/dc_input"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

/**
 * A charger holding its input at the floor: it draws the current at which the panel's voltage equals the
 * floor (or its current limit, if that comes first). Returns [V, I] at the operating point.
 */
function operate(panel: { voltage_V(i: number, t: number): number }, floor_mV: number, limit_mA: number, t_s: number): number[] {
    let lo = 0
    let hi = limit_mA / 1000
    if (panel.voltage_V(hi, t_s) * 1000 >= floor_mV) return [panel.voltage_V(hi, t_s) * 1000, limit_mA]
    for (let k = 0; k < 30; k++) {
        const mid = (lo + hi) / 2
        if (panel.voltage_V(mid, t_s) * 1000 > floor_mV) lo = mid
        else hi = mid
    }
    return [panel.voltage_V(lo, t_s) * 1000, lo * 1000]
}

export const dcInputSpec: Spec = (t: TestApi) => {
    t.describe("charging: the DC input", () => {
        t.test("solar: the floor tracks the maximum power point to within 3 %", async () => {
            const panel = solar100W(clearDay(1000, 1000, []))
            const dc = new DcInput()
            let now = 0
            const t_s = 500
            let vi = [panel.voltage_V(0, t_s) * 1000, 0]
            let sum = 0
            let n = 0
            for (let k = 0; k < 120; k++) {
                const lim = dcStep(dc, now, vi[0], vi[1], 8000, 10000, false)
                vi = operate(panel, lim.floor_mV, lim.current_mA, t_s)
                if (k >= 60) {
                    sum += (vi[0] * vi[1]) / 1e6
                    n++
                }
                now += MPPT_PERIOD_ms
                if (k % 20 === 0) await t.pause()
            }
            const mpp = panel.available_W(t_s)
            assertTrue(mpp > 90 && mpp < 105, "panel's peak " + mpp + " W")
            assertTrue(sum / n >= 0.97 * mpp, "tracked " + sum / n + " W of " + mpp + " W")
        })

        t.test("car: charges while the engine runs; engine off, stops before the car battery runs low", async () => {
            const car = new CarSupply("12 V car", 12, 0, 600)
            const dc = new DcInput()
            const on = dcStep(dc, 0, car.voltage_V(0, 1) * 1000, 0, 8000, 10000, true)
            assertTrue(on.allowed && on.floor_mV === 13000, "running: floor 13 V, " + on.reason)
            // Engine off at 600 s: the box draws 8 A from the parked car until its rest voltage falls.
            let allowed = true
            let t_s = 601
            let stoppedAt = -1
            while (t_s < 48 * 3600 && allowed) {
                const open = car.voltage_V(0, t_s)
                const lim = dcStep(dc, t_s * 1000, open * 1000, 0, 8000, 10000, true)
                allowed = lim.allowed
                if (!allowed) stoppedAt = t_s
                else car.voltage_V(8, t_s + 60)
                t_s += 60
                if (t_s % 6000 === 1) await t.pause()
            }
            assertTrue(stoppedAt > 0, "stopped")
            assertTrue(car.voltage_V(0, t_s) * 1000 >= PARKED_MIN_mV - 50, "car battery left at " + car.voltage_V(0, t_s) + " V")
        })

        t.test("a fused car socket or a supply's label caps the input current; the board's rating too", async () => {
            const dc = new DcInput()
            assertEq(dcStep(dc, 0, 19000, 0, 5000, 10000, false).current_mA, 5000, "owner's 5 A")
            assertEq(dcStep(dc, 0, 19000, 0, 15000, 10000, false).current_mA, 10000, "board's 10 A")
            assertEq(dcStep(dc, 0, 0, 0, 5000, 10000, false).allowed, false, "nothing plugged in")
        })

        t.test("both inputs: the stronger one charges, with hysteresis against flapping", async () => {
            assertEq(selectInput(60000, 0, ""), "usb", "USB-C only")
            assertEq(selectInput(60000, 80000, "usb"), "dc", "DC clearly stronger")
            assertEq(selectInput(60000, 64000, "usb"), "usb", "DC 7 % stronger: stay")
            assertEq(selectInput(64000, 60000, "dc"), "dc", "and the other way")
            assertEq(selectInput(0, 0, "dc"), "", "neither")
        })
    })
}
