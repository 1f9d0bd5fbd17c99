// Node only: run the golden program through the emulated board and record every I2C transaction the
// firmware makes (see replay_bus.ts). Used by tools/golden_update.ts.
import { oneOutputConfig } from "../../sim/board/test_boards"
import { Board } from "../../sim/board/board"
import { boardParamsFor } from "../../sim/board/board_params"
import { MemoryStore } from "../../sim/board/memory_store"
import { referenceConfig } from "../../src/core/box_config"
import { Supervisor } from "../../src/core/supervisor"
import { RecordingBus } from "./replay_bus"
import { driveGolden, segmentAt } from "./skeleton_trace"

export async function recordGoldenTrace(): Promise<{ lines: string[]; requests: string[]; records: string[] }> {
    const cfg = oneOutputConfig()
    const board = new Board(boardParamsFor(cfg))
    const bus = new RecordingBus(board.bus)
    const sup = new Supervisor(cfg, { bus, enables: [board.enablePin(0)], heartbeat: board.heartbeatPin() }, new MemoryStore())
    // The pack behind the AFE: four cells at 3.875 V feeding the output (plus 15 mA for the box itself); a
    // fixed picture, so the protections have sane readings. 100 ms of power-up before the firmware starts.
    const pack = (I: number) => ({ cell_V: [3.875, 3.875, 3.875, 3.875], current_A: I + 0.015, temp_C: 25, dieTemp_C: 25 })
    for (let k = 0; k < 10; k++) board.step(0.01, [{ current_A: 0, busVoltage_V: 0, dieTemp_C: 25 }], pack(0))
    const lines = await driveGolden(
        sup,
        t => {
            const seg = segmentAt(t)
            const closed = board.switchClosed(0)
            const I = closed ? seg.current_A : 0
            board.step(0.01, [{ current_A: I, busVoltage_V: closed ? seg.voltage_V : 0, dieTemp_C: seg.temp_C }], pack(I))
        },
        async () => {},
    )
    return { lines, requests: bus.requests, records: bus.records }
}
