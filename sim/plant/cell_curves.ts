// Ground-truth open-circuit voltage curves for the plant's cells (25 °C, 5 % SOC grid, 0 % first).
// Generic curves (see the shared hardware facts §5.1); the firmware keeps its own tables, so a mismatch
// between the two is realistic rather than a bug.

export const OCV_GRID_V: { [chemistry: string]: number[] } = {
    NMC: [2.8, 3.588, 3.684, 3.702, 3.726, 3.745, 3.764, 3.787, 3.803, 3.819, 3.838, 3.858, 3.883, 3.924, 3.962, 3.993, 4.026, 4.056, 4.089, 4.135, 4.198],
    LFP: [2.833, 3.132, 3.177, 3.19, 3.213, 3.226, 3.24, 3.252, 3.262, 3.264, 3.265, 3.268, 3.271, 3.275, 3.283, 3.296, 3.304, 3.308, 3.309, 3.314, 3.392],
}

export function isKnownChemistry(chemistry: string): boolean {
    return OCV_GRID_V[chemistry] !== undefined
}

/** OCV at a state of charge (0..1), linear between grid points, clamped at the ends. */
export function ocvAt(chemistry: string, soc: number): number {
    const grid = OCV_GRID_V[chemistry]
    if (!grid) throw new Error("unknown chemistry " + chemistry)
    if (soc <= 0) return grid[0]
    if (soc >= 1) return grid[grid.length - 1]
    const x = soc * (grid.length - 1)
    const i = Math.floor(x)
    const f = x - i
    return grid[i] + (grid[i + 1] - grid[i]) * f
}
