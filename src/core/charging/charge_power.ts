// The charger's efficiency as the policy counts it: pessimistic, so the input's share for charging is never
// overestimated (the plant's buck-boost is 0.93-0.965; a 0.3 W fixed loss comes on top).
export function chargerEfficiencyFloor(): number {
    return 0.9
}
