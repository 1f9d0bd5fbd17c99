// The Bus on real hardware: the runtime's I2C transaction, one bus configured by the board file. Called
// directly rather than through @devicescript/i2c, whose I2C class (every method carried into the image)
// and error type cost ~0.8 KB of the 64 KiB code space for one call.
import * as ds from "@devicescript/core"
import { Bus, BusError, hex8 } from "../drivers/bus"

type DsI2c = typeof ds & { _i2cTransaction(addr: number, wrbuf: Buffer, rdbuf?: Buffer): Promise<number> }

export class DsI2cBus implements Bus {
    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        let rd: Buffer = undefined
        if (readLength > 0) rd = Buffer.alloc(readLength)
        let rc = -1
        try {
            rc = await (ds as DsI2c)._i2cTransaction(address, Buffer.from(write), rd)
        } catch (e) {
            rc = -1
        }
        if (rc !== 0) throw new BusError(address, `I2C transfer to ${hex8(address)} failed (${rc})`)
        const out: number[] = []
        for (let i = 0; i < readLength; i++) out.push(rd[i])
        return out
    }
}
