// The pack as a Jacdac service (services/coopbattery.md), rendering the latest BatterySnapshot.
import * as ds from "@devicescript/core"
import { Server } from "@devicescript/server"
import { BatterySnapshot } from "../core/battery/monitor"
import { announce, boundedSend } from "./channel_server"
import { CommandResult } from "../core/commands"
import { ChargingSnapshot } from "../core/snapshot"

export class CoopBatteryServer extends Server implements ds.CoopBatteryServerSpec {
    private b: BatterySnapshot
    /** The charger's part of the snapshot; undefined on a box without one. */
    private c: ChargingSnapshot
    private faultText = ""
    inflight = 0
    readonly submit: (raw: any) => CommandResult

    constructor(first: BatterySnapshot, submit: (raw: any) => CommandResult) {
        super(ds.CoopBattery.spec)
        this.b = first
        this.submit = submit
    }

    override async _send(pkt: ds.Packet) {
        await boundedSend(this, pkt)
    }

    update(b: BatterySnapshot, faults: string[], charging: ChargingSnapshot): void {
        this.b = b
        this.c = charging
        const t = faults.join("; ")
        // Registers are small packets: the start of the list, and say so when cut.
        this.faultText = t.length > 200 ? t.slice(0, 197) + "..." : t
    }

    faults() {
        return this.faultText
    }

    /** A person clears latched faults: through the same validator as every command. */
    async clearFaults() {
        await submitBattery(this, { kind: "fault.clear" })
    }

    charging(): [number, number, number, number, number, number, number, string, string, string] {
        const c = this.c
        if (!c) return [0, 0, 0, 0, -1, 0, 0, "", "none", "this box has no charger"]
        let mask = 0
        for (let i = 0; i < c.balancing.length; i++) mask |= c.balancing[i] << i
        return [c.input_mV, c.input_mA, c.charge_mA, c.target_pm, c.fullIn_s, c.bled_mWh, mask, c.input, c.phase, c.reason]
    }
    chargeCeiling() {
        return this.c ? this.c.ceiling_pm : 0
    }
    async set_chargeCeiling(value: number) {
        await submitBattery(this, { kind: "charge.ceiling", ceiling_pm: value })
    }
    async chargeFullBy(inHours: number) {
        await submitBattery(this, { kind: "charge.full_by", in_h: inHours })
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

/** A command through the box's validator; a refusal is announced (command_rejected) with its reason. */
async function submitBattery(server: CoopBatteryServer, raw: any): Promise<void> {
    const r = server.submit(raw)
    if (!r.ok) await announce(server, "commandRejected", r.reason)
}
