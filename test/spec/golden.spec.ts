// The same input trace through the same code in the VM and in Node gives the same outputs: both
// runtimes are held to the committed expectation (generated once from Node). The battery estimator's
// trace is in golden_battery.spec.ts (its own VM image: together they made an image the VM would not start).
import { runGoldenTrace } from "../golden/skeleton_trace"
import { SKELETON_EXPECTED, SKELETON_REQUESTS, SKELETON_TRANSCRIPT } from "../golden/skeleton_expected"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

export const goldenSpec: Spec = (t: TestApi) => {
    t.describe("golden trace", () => {
        t.test("the supervisor and drivers, replayed against the recorded chip answers, print the committed lines", async () => {
            const got = await runGoldenTrace(SKELETON_REQUESTS, SKELETON_TRANSCRIPT, async () => {
                await t.pause()
            })
            const n = got.lines.length < SKELETON_EXPECTED.length ? got.lines.length : SKELETON_EXPECTED.length
            for (let i = 0; i < n; i++) assertEq(got.lines[i], SKELETON_EXPECTED[i], "golden line " + i)
            assertEq(got.lines.length, SKELETON_EXPECTED.length, "number of golden lines")
            assertEq(got.left, 0, "every recorded transaction replayed (" + got.used + " were)")
        })

        t.test("the trace exercises what it claims: on, a hardware trip, a refusal, re-arm, reverse current, off", async () => {
            const text = SKELETON_EXPECTED.join("\n")
            const needles = ["state on:", "state tripped: short circuit or heavy overload: current above 3.00 A (meter ALERT)", "refused: limit 9999 mA exceeds", " -125 ", "state off: switched off by user"]
            for (const n of needles) assertEq(text.indexOf(n) >= 0, true, "golden trace contains '" + n + "'")
        })
    })
}
