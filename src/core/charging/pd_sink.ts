// The USB-C input's contract over time: read what the source offers, ask for the best (pd_policy.ts),
// keep a PPS / AVS contract alive, follow new offers, and fall back when a source cannot hold what it
// offered (VBUS sagging, the sink's under-voltage flag, a refused request): the next best object, down
// to 5 V, never a brown-out of the input. Portable; the AP33772S driver underneath.
import { Ap33772s, AP33772S_RESULT, AP33772S_STATUS, ap33772sReadOffers, ap33772sReadStatus, ap33772sReadVbus, ap33772sRequest, ap33772sResult } from "../../drivers/ap33772s"
import { Offer } from "./pdo"
import { PROGRAMMABLE_REFRESH_ms, PdLimits, PdRequest, choosePdRequest, needsRefresh } from "./pd_policy"

/** VBUS below this: no source (detached, or between a hard reset's off and on). */
const PRESENT_mV = 3500
/** A contract whose VBUS stays below this fraction of its voltage for SAG_ms is one the source cannot hold. */
const SAG_FRACTION = 0.9
const SAG_ms = 500
/** A request not answered in this long counts as failed. */
const RESULT_TIMEOUT_ms = 1000
/** Re-choose this often when nothing happened (what the box can use changes as it charges). */
const RECHOOSE_ms = 30000

export type PdNote = (message: string) => void

export class PdSink {
    /** The fields below are also the module functions' (pdPoll, ask, choose, failed, detached). */
    chip: Ap33772s
    /** Where events go (the charging controller forwards them to the supervisor's log). */
    note: PdNote
    /** "detached", "negotiating", "contract" (or "none": attached, no usable offer). */
    state = "detached"
    offers: Offer[] = []
    /** The contract in force (undefined when detached); `pending` the request awaiting its result. */
    contract: PdRequest
    pending: PdRequest
    pending_ms = 0
    lastRequest_ms = 0
    sagSince_ms = -1
    /** Objects that failed since the source attached. */
    avoid: number[] = []
    /** VBUS as last read. */
    vbus_mV = 0
    vbus_mA = 0
    temp_C = NaN

    constructor(chip: Ap33772s, note: PdNote) {
        this.chip = chip
        this.note = note
    }
}

/** One poll of the chip: follow new offers, a detach, a pending request's result, a sagging contract. */
export async function pdPoll(sink: PdSink, now_ms: number, lim: PdLimits): Promise<void> {
    const chip = sink.chip
    const st = await ap33772sReadStatus(chip)
    const v = await ap33772sReadVbus(chip)
    const mV = v.mV
    sink.vbus_mV = mV
    sink.vbus_mA = v.mA
    sink.temp_C = v.temp_C
    // Plain ifs rather than && and || chains below: the same tests in less code.
    const state = sink.state
    if ((st & AP33772S_STATUS.NEWPDO) !== 0) {
        // A source attached, came back from a reset or changed its offer: choose afresh.
        if (state === "detached") sink.avoid = []
        sink.offers = (await ap33772sReadOffers(chip)).filter(o => o !== undefined)
        sink.contract = undefined
        sink.sagSince_ms = -1
        await choose(sink, now_ms, lim, state === "detached" ? "source attached" : "new offer")
        return
    }
    const pending = sink.pending
    if (mV < PRESENT_mV)
        if (pending === undefined) {
            if (state !== "detached") detached(sink)
            return
        }
    if (state === "detached") return
    if (pending) {
        const res = await ap33772sResult(chip)
        const busy = res === AP33772S_RESULT.BUSY
        if (busy) if (now_ms - sink.pending_ms < RESULT_TIMEOUT_ms) return
        if (res === AP33772S_RESULT.SUCCESS) {
            sink.pending = undefined
            sink.contract = pending
            sink.state = "contract"
            sink.sagSince_ms = -1
        } else await failed(sink, pending, now_ms, lim, busy ? "no answer" : `refused, code ${res}`)
        return
    }
    const c = sink.contract
    if (!c) return
    // A source that cannot hold what it offered: VBUS sags (or the sink's UVP flag), so step down.
    let low = (st & AP33772S_STATUS.UVP) !== 0
    if (mV < c.mV * SAG_FRACTION) low = true
    if (!low) sink.sagSince_ms = -1
    else {
        if (sink.sagSince_ms < 0) sink.sagSince_ms = now_ms
        if (now_ms - sink.sagSince_ms >= SAG_ms) {
            await failed(sink, c, now_ms, lim, `VBUS ${mV} mV under load`)
            return
        }
    }
    const sinceAsk_ms = now_ms - sink.lastRequest_ms
    if (sinceAsk_ms >= PROGRAMMABLE_REFRESH_ms)
        if (needsRefresh(c.kind)) {
            await ask(sink, c, now_ms, "")
            return
        }
    if (sinceAsk_ms >= RECHOOSE_ms) {
        const r = choosePdRequest(sink.offers, lim, sink.avoid)
        sink.lastRequest_ms = now_ms
        if (r) {
            // Asked only for a real change: another object, 0.5 V or 250 mA.
            let changed = r.position !== c.position
            if (Math.abs(r.mV - c.mV) >= 500) changed = true
            if (Math.abs(r.mA - c.mA) >= 250) changed = true
            if (changed) await ask(sink, r, now_ms, "what the box can use changed")
        }
    }
}

async function ask(sink: PdSink, r: PdRequest, now_ms: number, why: string): Promise<void> {
    await ap33772sRequest(sink.chip, r)
    sink.pending = r
    sink.pending_ms = now_ms
    sink.lastRequest_ms = now_ms
    sink.state = "negotiating"
    if (why !== "") sink.note(`USB-C input: asking for ${describe(r)} (${why})`)
}

/** Choose and ask; with nothing usable, say so and stay on what the source gives by default. */
async function choose(sink: PdSink, now_ms: number, lim: PdLimits, why: string): Promise<void> {
    const r = choosePdRequest(sink.offers, lim, sink.avoid)
    if (!r) {
        sink.state = "none"
        sink.note(`USB-C input: no offer fits (${sink.offers.length} objects, the charger takes ${lim.inMin_mV}-${lim.inMax_mV} mV)`)
        return
    }
    await ask(sink, r, now_ms, why)
}

function detached(sink: PdSink): void {
    if (sink.state !== "detached") sink.note("USB-C input: source gone")
    sink.state = "detached"
    sink.contract = undefined
    sink.pending = undefined
    sink.avoid = []
    sink.offers = []
}

/** A contract that failed: never asked again while this source stays attached; the next best instead. */
async function failed(sink: PdSink, r: PdRequest, now_ms: number, lim: PdLimits, why: string): Promise<void> {
    if (sink.avoid.indexOf(r.position) < 0) sink.avoid.push(r.position)
    sink.contract = undefined
    sink.pending = undefined
    sink.note(`USB-C input: ${describe(r)} failed (${why})`)
    await choose(sink, now_ms, lim, "fallback")
}

function describe(r: PdRequest): string {
    return `${r.kind} #${r.position} ${r.mV / 1000} V ${r.mA / 1000} A`
}
