// Load management: which outputs the box turns off (or throttles) as the pack's charge falls, by the
// priority class the user gave each output. Each threshold has a hysteresis band so an output does not
// flap around it. Critical outputs are never shed here: only the protections (a pack that would be
// harmed) turn them off.

export const PRIORITIES = ["critical", "normal", "sheddable", "throttleable"]

/**
 * Per class [off below, back at or above], state of charge per mille: critical (never), normal, sheddable,
 * throttleable (throttled well before this). Number tables are parsed from strings: a literal array is code
 * that builds it, and the image's code space is tight (docs/design.md, "code size").
 */
const SHED_pm: number[][] = JSON.parse("[[-1, -1], [100, 150], [300, 350], [150, 200]]")
/** Throttleable outputs get this fraction of their limit below THROTTLE_pm[0], all of it again above [1]. */
const THROTTLE_pm: number[] = JSON.parse("[400, 450]")
export const THROTTLE_FRACTION = 0.5

/** [off below, back at or above] for a class, per mille; an eFuse output cannot be throttled, so a
 * throttleable one is shed where it would have been throttled. Critical: never ([-1, -1]). */
export function shedBand_pm(priority: string, canThrottle: boolean): number[] {
    let c = PRIORITIES.indexOf(priority)
    // An unknown class is never shed, like a critical one.
    if (c < 0) c = 0
    if (c === 3) {
        if (!canThrottle) return THROTTLE_pm
    }
    return SHED_pm[c]
}

/**
 * What load management wants for one output: "shed", "throttle" or "" (nothing), given the charge, the
 * class, whether it is shed or throttled now, and whether its stage can be throttled (a USB-C converter
 * can advertise less current).
 */
export function loadAction(priority: string, soc_pm: number, shedNow: boolean, throttledNow: boolean, canThrottle: boolean): string {
    // The threshold in force: "off below", or while already shed (throttled) the higher "back at or above".
    if (soc_pm < shedBand_pm(priority, canThrottle)[shedNow ? 1 : 0]) return "shed"
    if (priority === "throttleable") {
        if (soc_pm < THROTTLE_pm[throttledNow ? 1 : 0]) return "throttle"
    }
    return ""
}
