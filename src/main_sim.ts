import * as ds from "@devicescript/core"
const bus = new ds.CoopSimBus()
let seq = 0
let resp: ds.Packet = undefined
let waiter: ds.Fiber = undefined
bus.report().subscribe(pkt => {
    if (pkt.serviceCommand === 0x80 && waiter) { resp = pkt; const w = waiter; waiter = undefined; w.resume(pkt) }
})
async function xfer(addr: number, wr: number[], n: number) {
    seq = (seq + 1) & 0xffff
    const b = Buffer.alloc(4 + wr.length)
    b.setAt(0, "u16", seq); b[2] = addr; b[3] = n
    for (let i = 0; i < wr.length; i++) b[4 + i] = wr[i]
    waiter = ds.Fiber.self()
    await bus.sendCommand(0x80, b)
    const p = await ds.suspend<ds.Packet>(500)
    return p
}
while (!bus.isBound) await ds.sleep(50)
console.log("bound")
const t0 = ds.millis()
let ok = 0
for (let i = 0; i < 200; i++) { const p = await xfer(0x40, [0x3e], 2); if (p) ok++ }
console.log(`200 xfers ok=${ok} in ${ds.millis() - t0} ms`)
