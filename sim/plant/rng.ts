// A small seeded PRNG for the plant's cell-to-cell spread: xorshift32 (Marsaglia 2003) on 32-bit integers,
// so Node and the DeviceScript VM draw the very same sequence for a seed. No `%` anywhere (it only works on
// 32-bit integers in the VM); normal deviates by the Marsaglia polar method (the VM has no Math.sin/cos).

export class Rng {
    private s: number

    /** `seed`: an integer in 0 .. 2^31 - 1 (0 is allowed; it is mixed into a non-zero state). */
    constructor(seed: number) {
        let x = (Math.floor(seed) | 0) ^ 0x2545f491
        if (x === 0) x = 0x6d2b79f5
        this.s = x
        // warm up: small seeds otherwise start with small states
        for (let i = 0; i < 8; i++) this.nextU32()
    }

    /** The next 32-bit unsigned integer, 0 .. 2^32 - 1. */
    nextU32(): number {
        let x = this.s
        x = x ^ (x << 13)
        x = x ^ (x >>> 17)
        x = x ^ (x << 5)
        this.s = x | 0
        return x >>> 0
    }

    /** Uniform in the open interval (0, 1). */
    uniform(): number {
        return (this.nextU32() + 0.5) / 4294967296
    }

    /** Standard normal deviate (mean 0, sigma 1). */
    gaussian(): number {
        while (true) {
            const u = 2 * this.uniform() - 1
            const v = 2 * this.uniform() - 1
            const s = u * u + v * v
            if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s)
        }
    }

    /** A normal deviate clipped to +/- `clip` sigmas. */
    clippedGaussian(clip: number): number {
        const z = this.gaussian()
        if (z > clip) return clip
        if (z < -clip) return -clip
        return z
    }
}
