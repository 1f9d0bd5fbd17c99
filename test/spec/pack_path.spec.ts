// Shared spec (VM + Node): the AFE's FETs in the pack path, end to end. The production BQ76907 driver arms the
// emulated chip on the emulated board, and the board hands the chip's CHG/DSG state to the plant every step
// (World), so a hardware trip really opens the pack path. Its own VM group: with the plant,
// the board and both emulators it fills an image.
import { World } from "../../sim/board/world"
import { OutputPathParams } from "../../sim/plant/output_path"
import { PackParams } from "../../sim/plant/pack"
import { Bq76907, bq76907Defaults, bq76907Safety, bq76907SetBalancing } from "../../src/drivers/bq76907"
import { Spec, TestApi, assertEq, assertTrue } from "../harness/api"

/** The reference box by hand: a 4S2P NMC pack at 80 %, one DC output (INA228 0x44, 5 mOhm), the AFE at 0x08 on 1 mOhm. */
function referenceWorld(): World {
    const pack: PackParams = { chemistry: "NMC", series: 4, parallel: 2, cellCapacity_Ah: 4, cellR0_Ohm: 0.018, initialSoc: 0.8, wiring_Ohm: 0.01 }
    const path: OutputPathParams = { switch_Ohm: 0.0027, shunt_Ohm: 0.005, cable_Ohm: 0.025 }
    return new World(
        { pack, outputs: [path], ambient_C: 25 },
        { channels: [{ meterAddress: 0x44, shunt_Ohm: 0.005 }], watchdogTimeout_s: 1.6, afe: { address: 0x08, cells: 4, shunt_Ohm: 0.001, seed: 1 } },
    )
}

export const packPathSpec: Spec = (t: TestApi) => {
    t.describe("pack path: the AFE's FETs on the emulated board", () => {
        t.test("the board passes the AFE's FETs to the plant: an OCD trip cuts the output, ALERT asserts; CHG off stops charging", async () => {
            const world = referenceWorld()
            const board = world.board
            assertTrue(board.afe.chgOn() && board.afe.dsgOn() && !board.afeAlert(), "a production board: FETs on from power-up, no ALERT")
            board.enablePin(0).write(true)
            world.plant.setLoad(0, { type: "resistive", ohms: 2 })
            world.step(0.01)
            await t.pause()
            assertTrue(world.plant.outputs[0].current_A > 7, "about 8 A out: " + world.plant.outputs[0].current_A)
            const drv = new Bq76907(board.bus, bq76907Defaults(4))
            await drv.configure()
            await t.pause()
            const armed = await drv.armProtections({
                cov_mV: 4300, covDelay_ms: 1000, cuv_mV: 2500, cuvDelay_ms: 1000,
                occ_mA: 6000, occDelay_ms: 100, ocd_mA: 6000, ocdDelay_ms: 5, scd_mA: 60000, scdDelay_us: 100,
            })
            await t.pause()
            assertEq(armed.ocd_mA, 6000, "OCD at 6 A")
            for (let i = 0; i < 10; i++) {
                world.step(0.001)
                board.heartbeatPin().write(i % 2 === 0)
            }
            assertTrue((await bq76907Safety(drv)).ocd, "OCD tripped on the pack current")
            assertTrue(!board.afe.dsgOn() && board.afe.chgOn(), "the board reports DSG off")
            assertTrue(board.afeAlert(), "ALERT asserted")
            assertEq(world.plant.outputs[0].current_A, 0, "no output current")
            assertEq(world.plant.packCurrent_A, 0, "no pack current")
            // From power-up again (RESET; the OTP FET_EN closes both FETs), configured, unarmed; the host holds CHG
            // off: a charger cannot charge
            await board.bus.transfer(0x08, [0x3e, 0x12, 0x00], 0)
            await drv.configure()
            await t.pause()
            await drv.setFets(false, true)
            await t.pause()
            world.plant.setLoad(0, { type: "none" })
            world.plant.setCharger({ voltage_V: 16.8, current_A: 2 })
            world.step(0.01)
            await t.pause()
            assertTrue(!board.afe.chgOn() && board.afe.dsgOn(), "CHG off, DSG on")
            assertEq(world.plant.packCurrent_A, 0, "no charge current with CHG off")
            await drv.setFets(true, true)
            await t.pause()
            world.step(0.01)
            await t.pause()
            assertTrue(world.plant.packCurrent_A < -1, "charging once CHG is back: " + world.plant.packCurrent_A)
        })
        t.test("balancing: the driver's mask reaches the AFE, the board's resistors bleed those cells; adjacent cells refused", async () => {
            const world = referenceWorld()
            const drv = new Bq76907(world.board.bus, bq76907Defaults(4))
            await drv.configure()
            await t.pause()
            let refused = ""
            try {
                await bq76907SetBalancing(drv, 0b0011)
            } catch (e) {
                refused = (e as any).message
            }
            assertTrue(refused.indexOf("adjacent") >= 0, "cells 0 and 1 together refused: " + refused)
            assertEq(world.board.afe.balancing(), 0, "nothing set by the refused mask")
            await bq76907SetBalancing(drv, 0b0101)
            assertEq(world.board.afe.balancing(), 5, "cells 0 and 2")
            const soc0 = [world.plant.pack.cellSoc(0), world.plant.pack.cellSoc(1), world.plant.pack.cellSoc(2)]
            // Half an hour at rest, in 1 s steps (the AFE emulator's step works through its conversions; the VM
            // bounds a slice).
            for (let k = 0; k < 1800; k++) {
                world.step(1)
                world.board.heartbeatPin().write(k % 2 === 0)
                if (k % 5 === 0) await t.pause()
            }
            const p = world.plant.pack
            // ~3.9 V / 66 ohm = 59 mA for half an hour: 29.5 mAh of the group's 8 Ah, 0.37 %.
            const d0 = soc0[0] - p.cellSoc(0)
            const d1 = soc0[1] - p.cellSoc(1)
            assertTrue(d0 > 0.0032 && d0 < 0.0042, "cell 0 bled " + d0)
            assertTrue(Math.abs(d1) < 0.0005, "cell 1 not bled: " + d1)
            assertTrue(Math.abs(soc0[2] - p.cellSoc(2) - d0) < 0.0005, "cell 2 like cell 0")
            assertTrue(p.bleedEnergy_J / 3600 > 0.2 && p.bleedEnergy_J / 3600 < 0.25, "energy burnt " + p.bleedEnergy_J / 3600 + " Wh")
            await bq76907SetBalancing(drv, 0)
            world.step(1)
            assertEq(p.bleed_A.length, 0, "stopped")
        })
    })
}
