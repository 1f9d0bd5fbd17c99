// The Bus on real hardware: @devicescript/i2c, one bus configured by the board file.
import { i2c } from "@devicescript/i2c"
import { Bus, BusError, hex8 } from "../drivers/bus"

export class DsI2cBus implements Bus {
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        let buf: Buffer
        try {
            buf = await i2c.xfer(address, Buffer.from(write), readLength)
        } catch (e) {
            throw new BusError(address, "I2C transfer to " + hex8(address) + " failed")
        }
        const out: number[] = []
        for (let i = 0; i < buf.length; i++) out.push(buf[i])
        return out
    }
}
