// The pack as a Jacdac service (services/coopbattery.md), rendering the latest BatterySnapshot.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { BatterySnapshot } from "../core/battery/monitor"
import { boundedSend } from "./channel_server"
import { CommandResult } from "../core/commands"

export class CoopBatteryServer extends Server implements ds.CoopBatteryServerSpec {
    private b: BatterySnapshot
    private faultText = ""
    inflight = 0
    private submit: (raw: any) => CommandResult

    constructor(first: BatterySnapshot, submit: (raw: any) => CommandResult) {
        super(ds.CoopBattery.spec)
        this.b = first
        this.submit = submit
    }

    override async _send(pkt: ds.Packet) {
        await boundedSend(this, pkt)
    }

    update(b: BatterySnapshot, faults: string[]): void {
        this.b = b
        const t = faults.join("; ")
        // Registers are small packets: the start of the list, and say so when cut.
        this.faultText = t.length > 200 ? t.slice(0, 197) + "..." : t
    }

    faults() {
        return this.faultText
    }

    /** A person clears latched faults: through the same validator as every command. */
    async clearFaults() {
        this.submit({ kind: "fault.clear" })
    }

    status() {
        if (this.b.status === "known") return ds.CoopBatteryStatus.Known
        return ds.CoopBatteryStatus.Unknown
    }
    reading() {
        return this.b.soc_pm
    }
    socLow() {
        return this.b.socLow_pm
    }
    socHigh() {
        return this.b.socHigh_pm
    }
    capacityMah() {
        return this.b.capacity_mAh
    }
    health() {
        return this.b.health_pm
    }
    timeToEmpty() {
        return this.b.tte_s
    }
    timeToFull() {
        return this.b.ttf_s
    }
    pack(): [number, number, number, number] {
        const b = this.b
        return [b.voltage_mV, b.current_mA, b.power_mW, b.temp_dC]
    }
    runtimeBand(): [number, number] {
        return [this.b.tteLow_s, this.b.tteHigh_s]
    }
    lifetime(): [number, number, number] {
        return [this.b.cycles_c, this.b.energyIn_Wh, this.b.energyOut_Wh]
    }
    cells() {
        return this.b.cells_mV
    }
    lastAnchor(): [number, string] {
        return [this.b.anchorAge_s, this.b.anchor]
    }
    summary(): [number, number, number, number, number, number, number, number, number, number, ds.CoopBatteryStatus] {
        const b = this.b
        return [b.capacity_mAh, b.tte_s, b.ttf_s, b.voltage_mV, b.current_mA, b.soc_pm, b.socLow_pm, b.socHigh_pm, b.health_pm, b.temp_dC, this.status()]
    }
}
