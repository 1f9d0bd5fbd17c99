import { Rig } from "../sim/board/rig"
async function main() {
    const rig = new Rig({ plantDt_ms: 0.1 })
    rig.world.plant.setLoad(0, { type: "resistive", ohms: 12 })
    await rig.boot()
    console.log(rig.submit({ kind: "channel.enable", channel: 0, on: true }))
    await rig.advance(500)
    rig.world.plant.setLoad(0, { type: "resistive", ohms: 0.02 })
    for (let i = 0; i < 10; i++) {
        await rig.advance(5)
        const o = rig.world.plant.outputs[0]
        const m: any = rig.world.board.meters[0]
        console.log(rig.t_ms.toFixed(1), o.current_A.toFixed(2), o.meterVoltage_V.toFixed(2), rig.world.board.switchClosed(0), m.alertAsserted(), rig.last.channels[0].state, rig.last.channels[0].reason)
    }
}
main()
