// Number formatting that prints the same on the VM (7 significant digits everywhere) and in Node.

/** x with `digits` decimals (DeviceScript has no Number.prototype.toFixed). */
export function toFixed(x: number, digits: number): string {
    const scale = Math.pow(10, digits)
    const n = Math.round(Math.abs(x) * scale)
    const ip = Math.floor(n / scale)
    let s = "" + ip
    if (digits > 0) {
        let frac = "" + (n - ip * scale)
        while (frac.length < digits) frac = "0" + frac
        s += "." + frac
    }
    // No "-" on a value that rounds to zero.
    if (x < 0) if (n !== 0) s = "-" + s
    return s
}

/** "1.25 A" from milliamps. */
export function fmtAmps(mA: number): string {
    return toFixed(mA / 1000, 2) + " A"
}

/** "12.04 V" from millivolts. */
export function fmtVolts(mV: number): string {
    return toFixed(mV / 1000, 2) + " V"
}

/** Larger of two numbers (Math.max with more than two arguments is wrong on the VM; keep calls to two). */
export function max2(a: number, b: number): number {
    return a > b ? a : b
}

export function min2(a: number, b: number): number {
    return a < b ? a : b
}

export function clamp(x: number, lo: number, hi: number): number {
    return x < lo ? lo : x > hi ? hi : x
}

/** A name from the input (a field), cut to 40 characters for a refusal. */
export function clip(s: string): string {
    if (s.length > 40) return s.slice(0, 40) + "..."
    return s
}

/**
 * A value quoted in a refusal, kept short: a reason must never grow with its input (a long string from
 * MQTT or BLE would otherwise exhaust the VM's memory while the reason is built).
 */
export function quote(v: any): string {
    // A finite number prints the same as its JSON; NaN and Infinity would print as JSON's null.
    if (typeof v === "number") return "" + v
    if (typeof v === "string") if (v.length > 40) return JSON.stringify(v.slice(0, 40)) + "..."
    if (Array.isArray(v)) return "an array"
    if (v !== null) if (typeof v === "object") return "an object"
    const s = JSON.stringify(v)
    if (s === undefined) return "" + v
    return s
}
