// An I2C bus populated by register-level chip emulators. Portable: runs in Node and in the VM.
import { Bus, BusError, hex8 } from "../../src/drivers/bus"

/** A chip on the emulated bus. `transfer` sees exactly what the driver put on the wire. */
export interface I2cDevice {
    address: number
    /** Handle one transaction; return the `readLength` bytes the chip clocks out. */
    transfer(write: number[], readLength: number): number[]
}

export class EmulatedBus implements Bus {
    devices: I2cDevice[] = []
    /** Transactions so far (for budgets and tests). */
    transactions = 0
    /** Fault injection: when set, called before each transaction; return a message to make it fail. */
    faultHook: (address: number, write: number[]) => string = undefined
    /** Fault injection on what comes back: garbled bits, a frozen chip replaying old answers. */
    readHook: (address: number, write: number[], data: number[]) => number[] = undefined

    attach(dev: I2cDevice): void {
        if (this.find(dev.address)) throw new Error("address " + hex8(dev.address) + " already used on the emulated bus")
        this.devices.push(dev)
    }

    find(address: number): I2cDevice {
        for (const d of this.devices) if (d.address === address) return d
        return undefined
    }

    async transfer(address: number, write: number[], readLength: number): Promise<number[]> {
        this.transactions++
        if (this.faultHook) {
            const msg = this.faultHook(address, write)
            if (msg) throw new BusError(address, msg)
        }
        const dev = this.find(address)
        if (!dev) throw new BusError(address, "NACK from " + hex8(address))
        const data = dev.transfer(write, readLength)
        return this.readHook ? this.readHook(address, write, data) : data
    }
}
