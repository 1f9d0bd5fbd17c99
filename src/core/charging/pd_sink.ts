// The USB-C input's contract over time: read what the source offers, ask for the best (pd_policy.ts),
// keep a PPS / AVS contract alive, follow new offers, and fall back when a source cannot hold what it
// offered (VBUS sagging, the sink's under-voltage flag, a refused request): the next best object, down
// to 5 V, never a brown-out of the input. Portable; the AP33772S driver underneath.
import { Ap33772s, AP33772S_RESULT, AP33772S_STATUS } from "../../drivers/ap33772s"
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
    /** The fields below without `private` are also the module's helpers' (ask, choose, failed, detached). */
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
    private sagSince_ms = -1
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

    async poll(now_ms: number, lim: PdLimits): Promise<void> {
        const st = await this.chip.readStatus()
        const v = await this.chip.readVbus()
        this.vbus_mV = v.mV
        this.vbus_mA = v.mA
        this.temp_C = v.temp_C
        if ((st & AP33772S_STATUS.NEWPDO) !== 0) {
            // A source attached, came back from a reset or changed its offer: choose afresh.
            if (this.state === "detached") this.avoid = []
            this.offers = (await this.chip.readOffers()).filter(o => o !== undefined)
            this.contract = undefined
            this.sagSince_ms = -1
            await choose(this, now_ms, lim, this.state === "detached" ? "source attached" : "new offer")
            return
        }
        if (v.mV < PRESENT_mV && this.pending === undefined) {
            if (this.state !== "detached") detached(this)
            return
        }
        if (this.state === "detached") return
        if (this.pending) {
            const res = await this.chip.result()
            if (res === AP33772S_RESULT.BUSY && now_ms - this.pending_ms < RESULT_TIMEOUT_ms) return
            const r = this.pending
            if (res === AP33772S_RESULT.SUCCESS) {
                this.pending = undefined
                this.contract = r
                this.state = "contract"
                this.sagSince_ms = -1
            } else await failed(this, r, now_ms, lim, res === AP33772S_RESULT.BUSY ? "no answer" : `refused, code ${res}`)
            return
        }
        const c = this.contract
        if (!c) return
        // A source that cannot hold what it offered: VBUS sags (or the sink's UVP flag), so step down.
        const low = v.mV < c.mV * SAG_FRACTION || (st & AP33772S_STATUS.UVP) !== 0
        if (!low) this.sagSince_ms = -1
        else if (this.sagSince_ms < 0) this.sagSince_ms = now_ms
        if (low && now_ms - this.sagSince_ms >= SAG_ms) {
            await failed(this, c, now_ms, lim, `VBUS ${v.mV} mV under load`)
            return
        }
        if (needsRefresh(c.kind) && now_ms - this.lastRequest_ms >= PROGRAMMABLE_REFRESH_ms) {
            await ask(this, c, now_ms, "")
            return
        }
        if (now_ms - this.lastRequest_ms >= RECHOOSE_ms) {
            const r = choosePdRequest(this.offers, lim, this.avoid)
            this.lastRequest_ms = now_ms
            if (r && (r.position !== c.position || Math.abs(r.mV - c.mV) >= 500 || Math.abs(r.mA - c.mA) >= 250)) await ask(this, r, now_ms, "what the box can use changed")
        }
    }

    /**
     * Input power the contract gives now, mW (0 without one). While a new request is pending the old contract
     * still holds (the source keeps it until it accepts another), and a PPS refresh changes nothing.
     */
    power_mW(): number {
        const c = this.contract
        return c ? c.power_mW : 0
    }
}

async function ask(sink: PdSink, r: PdRequest, now_ms: number, why: string): Promise<void> {
    await sink.chip.request(r)
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
