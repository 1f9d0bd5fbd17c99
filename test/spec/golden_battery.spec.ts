// The battery estimator replays a recorded trace in the VM exactly as Node did: both runtimes are held to
// the committed expectation (generated from Node by npm run golden:update). Its own VM group: the trace's
// data and the supervisor's golden run together overflow one DeviceScript image.
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"
import { runBatteryTrace } from "../golden/battery_trace"
import { BATTERY_TRACE_EXPECTED, BATTERY_TRACE_INPUTS } from "../golden/battery_trace_data"

async function expectedLines(pause: () => Promise<void>): Promise<string[]> {
    const out: string[] = []
    for (const chunk of BATTERY_TRACE_EXPECTED) {
        for (const l of chunk.split(";")) out.push(l)
        await pause()
    }
    return out
}

export const goldenBatterySpec: Spec = (t: TestApi) => {
    t.describe("golden battery trace", () => {
        t.test("the battery estimator replays its recorded 6.5 h trace as Node did (SOC, sigma, capacity, time to empty)", async () => {
            const got = await runBatteryTrace(BATTERY_TRACE_INPUTS, async () => {
                await t.pause()
            })
            const want = await expectedLines(async () => {
                await t.pause()
            })
            assertEq(got.length, want.length, "number of steps")
            // Math.exp and friends may differ in the last bit between the VM and V8: allow 2 units of the
            // printed resolution (2 ppm of SOC, 2 µAh, 2 s), far below anything a person could see.
            for (let k = 0; k < want.length; k++) {
                if (k % 20 === 19) await t.pause()
                const w = want[k].split(",")
                for (let j = 0; j < 4; j++) {
                    const d = got[k][j] - parseInt(w[j])
                    assertTrue(d <= 2 && d >= -2, "step " + k + " field " + j + ": expected " + w[j] + ", got " + got[k][j])
                }
            }
        })

        t.test("the battery trace covers rest, a discharge into the cut-off and a learned capacity", async () => {
            const want = await expectedLines(async () => {
                await t.pause()
            })
            let minSoc = 1e9
            let maxSoc = -1e9
            for (let k = 0; k < want.length; k++) {
                if (k % 20 === 19) await t.pause()
                const soc = parseInt(want[k].split(",")[0])
                if (soc < minSoc) minSoc = soc
                if (soc > maxSoc) maxSoc = soc
            }
            assertTrue(minSoc < 50000 && maxSoc > 900000, "SOC spans the range: " + minSoc + ".." + maxSoc)
            const first = parseInt(want[0].split(",")[2])
            const last = parseInt(want[want.length - 1].split(",")[2])
            assertTrue(first !== last, "the capacity was learned during the trace")
        })

    })
}
