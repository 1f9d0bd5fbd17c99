// PLACEHOLDER until the driver from the plant branch lands (same API).
import { Bus } from "./bus"
export enum TPS55289_STATUS {
    SCP = 0x80,
    OCP = 0x40,
    OVP = 0x20,
}
export class Tps55289 {
    constructor(bus: Bus, address: number, sense_mOhm: number) {}
    async configure(): Promise<void> {}
    async setOutput_mV(mV: number): Promise<void> {}
    async setLimit_mA(mA: number): Promise<number> { return mA }
    async readStatus(): Promise<number> { return 0 }
    async verify(): Promise<void> {}
}
