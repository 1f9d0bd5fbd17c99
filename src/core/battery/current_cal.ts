// Calibrates the pack current sensor (the AFE's coulomb counter) against the output meters. The INA228s
// on the outputs count charge precisely in hardware, and with no charger connected every coulomb that
// leaves the pack goes out through an output or into the box's own electronics (quiescent draw). So,
// over the same interval:   measured = (1 + gain) * (outputs + quiescent) + offset * dt.
// A two-parameter recursive least squares (a Kalman filter with slow drift) finds offset and gain; the
// quiescent draw is a design figure with a tolerance, which stays in the offset's uncertainty.

export class CurrentCalibrator {
    /** Sensor offset, A (measured minus true at zero current). */
    offset_A: number
    /** Relative gain error (measured = (1 + gain) * true). */
    gain: number
    /** Covariance of [offset, gain]. */
    P: number[]
    /** The box's own draw from the pack (a design figure), A, and its tolerance. */
    quiescent_A: number
    quiescentSigma_A: number
    samples = 0
    /** Intervals left to skip after charging was seen (a charger's taper can look like a sensor offset). */
    quiet = 0

    constructor(quiescent_A: number, quiescentSigma_A: number, offsetSigma_A: number, gainSigma: number) {
        this.quiescent_A = quiescent_A
        this.quiescentSigma_A = quiescentSigma_A
        // No offset and no gain error yet, with these uncertainties.
        calRestore(this, 0, 0, offsetSigma_A, gainSigma)
    }
}

// The calibrator's operations, as module functions (no prototype entries, cheaper calls in the VM's image).

/**
 * One interval with no charging: the AFE counted `measured_C`, the outputs' meters `outputs_C`, over
 * dt_s. Returns false when the interval is unusable (something else moved charge: a charger).
 */
export function calObserve(cal: CurrentCalibrator, measured_C: number, outputs_C: number, dt_s: number): boolean {
    if (!(dt_s > 0.2)) return false
    const x = outputs_C / dt_s + cal.quiescent_A // true mean current, A
    const y = measured_C / dt_s - x // what the sensor adds
    // Anything unmetered (a charger) makes the residual large; and after charging, wait ten minutes
    // before trusting a small residual again: a charger's tail can be a few tens of mA.
    if (measured_C / dt_s < -0.03) cal.quiet = 600 + dt_s
    if (cal.quiet > 0) {
        cal.quiet = cal.quiet - dt_s
        return false
    }
    if (Math.abs(y) > 0.06 + 0.05 * Math.abs(x)) return false
    const P = cal.P
    // Slow drift of both parameters (temperature), per interval.
    P[0] = P[0] + 1e-10 * dt_s
    P[3] = P[3] + 1e-12 * dt_s
    // Observation y = offset + gain * x, noise from ADC averaging and the meters' own error.
    const r = (0.001 * 0.001) / dt_s + (0.002 * x) * (0.002 * x)
    const PH0 = P[0] + P[1] * x
    const PH1 = P[2] + P[3] * x
    const S = PH0 + x * PH1 + r
    const k0 = PH0 / S
    const k1 = PH1 / S
    const innov = y - (cal.offset_A + cal.gain * x)
    cal.offset_A = cal.offset_A + k0 * innov
    cal.gain = cal.gain + k1 * innov
    P[0] = P[0] - k0 * PH0
    P[1] = P[1] - k0 * PH1
    P[2] = P[2] - k1 * PH0
    P[3] = P[3] - k1 * PH1
    cal.samples = cal.samples + 1
    return true
}

/** A measured current (A) corrected for the learned offset and gain. */
export function calCorrect_A(cal: CurrentCalibrator, measured_A: number): number {
    return (measured_A - cal.offset_A) / (1 + cal.gain)
}

/** A measured charge over dt_s (C) corrected likewise. */
export function calCorrectCharge_C(cal: CurrentCalibrator, measured_C: number, dt_s: number): number {
    return (measured_C - cal.offset_A * dt_s) / (1 + cal.gain)
}

/** One-sigma uncertainty of a corrected current of about `current_A` (includes the quiescent tolerance). */
export function calSigma_A(cal: CurrentCalibrator, current_A: number): number {
    const P = cal.P
    const v = P[0] + 2 * current_A * P[1] + current_A * current_A * P[3]
    const q = cal.quiescentSigma_A
    return Math.sqrt(Math.max(v, 0) + q * q)
}

/** Restore learned values (after a restart). */
export function calRestore(cal: CurrentCalibrator, offset_A: number, gain: number, offsetSigma_A: number, gainSigma: number): void {
    cal.offset_A = offset_A
    cal.gain = gain
    cal.P = [offsetSigma_A * offsetSigma_A, 0, 0, gainSigma * gainSigma]
}

/** The offset's one-sigma, A. */
export function calOffsetSigma_A(cal: CurrentCalibrator): number {
    return Math.sqrt(Math.max(cal.P[0], 0))
}

/** The gain error's one-sigma. */
export function calGainSigma(cal: CurrentCalibrator): number {
    return Math.sqrt(Math.max(cal.P[3], 0))
}
