// The one I2C bus every driver talks to. Portable: no DeviceScript imports, bytes as number arrays
// so the same driver runs on hardware (@devicescript/i2c), in the VM and in Node (emulated chips).

/** One I2C transaction: write `write` (may be empty), then read `readLength` bytes (0 = write only). */
export interface Bus {
    transfer(address: number, write: number[], readLength: number): Promise<number[]>
}

// Two errors about the chip at one bus address (no common base class: each class costs code in DeviceScript).

/** A transaction that failed on the wire (NACK, timeout, arbitration). */
export class BusError extends Error {
    address: number
    constructor(address: number, message: string) {
        super(message)
        this.name = "BusError"
        this.address = address
    }
}

/** A chip that answered but is not what the driver expects, or reads back wrong. */
export class DeviceError extends Error {
    address: number
    constructor(address: number, message: string) {
        super(message)
        this.name = "DeviceError"
        this.address = address
    }
}

export function hex8(v: number): string {
    const digits = "0123456789abcdef"
    return "0x" + digits.charAt((v >> 4) & 15) + digits.charAt(v & 15)
}

export function hex16(v: number): string {
    return hex8((v >> 8) & 0xff) + hex8(v & 0xff).slice(2)
}

/** Big-endian unsigned value of `bytes` (up to 6 bytes; multiplication keeps 40-bit values exact). */
export function beUnsigned(bytes: number[]): number {
    let v = 0
    for (let i = 0; i < bytes.length; i++) v = v * 256 + (bytes[i] & 0xff)
    return v
}

/** Read an n-byte big-endian register. */
export async function readRegBE(bus: Bus, address: number, reg: number, n: number): Promise<number> {
    const b = await bus.transfer(address, [reg], n)
    if (!b || b.length !== n) throw new BusError(address, `short read from ${hex8(address)} reg ${hex8(reg)}`)
    return beUnsigned(b)
}

/** Write a 16-bit big-endian register. */
export async function writeReg16BE(bus: Bus, address: number, reg: number, value: number): Promise<void> {
    await bus.transfer(address, [reg, (value >> 8) & 0xff, value & 0xff], 0)
}
