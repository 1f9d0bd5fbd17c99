// npm start: the desktop simulator. Starts the devtools hub (headless), the plant, the firmware in the
// DeviceScript VM and a live view at http://127.0.0.1:8090 (plus a terminal status line and prompt).
// Ctrl-C stops every process it started.
//   npm start -- [--port 8090] [--no-prompt] [--fresh] [--soc 40]  (the pack's true charge at the start, %)
// The simulated box keeps its settings (limits) in .devicescript/flash/sim.bin across runs, like a real
// box keeps its flash; --fresh starts from a blank box.
import * as readline from "readline"
import * as fs from "fs"
import * as path from "path"
import { connectBus } from "./jacdac_node"
import { LiveSim } from "./live_sim"
import { ProcessGroup, ROOT, SIM_FLASH, startFirmware, startHub } from "./processes"
import { startWebServer } from "./web_server"
import { toFixed } from "../../src/core/fmt"

function arg(name: string, dflt: string): string {
    const i = process.argv.indexOf(name)
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt
}

const HELP = `commands: on N | off N | limit N mA | load N r OHMS | load N p WATTS | load N i AMPS | load N none | usb NAME|none (phone20, laptop65, multiport100, weak, flaky) | dc NAME|none (solar, car12, truck24, parked12) | ceiling PERCENT | fullby HOURS (0 cancels) | charge VOLTS AMPS | charge off (a bench supply straight onto the pack) | clear (latched faults) | help`

async function command(sim: LiveSim, line: string): Promise<string> {
    const w = line.trim().split(/\s+/)
    const ch = parseInt(w[1], 10)
    switch (w[0]) {
        case "":
            return ""
        case "help":
            return HELP
        case "on":
        case "off":
            await sim.setEnabled(ch, w[0] === "on")
            return "sent"
        case "limit":
            await sim.setLimit(ch, parseFloat(w[2]))
            return "sent (the firmware validates it; see the log)"
        case "charge":
            if (w[1] === "off") sim.setCharger(undefined)
            else sim.setCharger({ voltage_V: parseFloat(w[1]), current_A: parseFloat(w[2]) })
            return "charger " + (w[1] === "off" ? "unplugged" : "plugged in")
        case "usb":
        case "dc":
            sim.plugInput(w[0], w[1] || "")
            return w[0] + " input: " + (w[1] === "none" ? "unplugged" : w[1] + " plugged in (the firmware negotiates and charges; see the log)")
        case "ceiling":
            await sim.setChargeCeiling(Math.round(parseFloat(w[1]) * 10))
            return "sent (the firmware validates it: 50-100 %; see the log)"
        case "fullby":
            await sim.chargeFullBy(parseFloat(w[1]))
            return "sent (hours, 0 cancels; see the log)"
        case "clear":
            await sim.clearFaults()
            return "sent (a fault whose cause is still present stays; see the log)"
        case "load": {
            const v = parseFloat(w[3])
            const kinds: { [k: string]: any } = { r: { type: "resistive", ohms: v }, p: { type: "constant_power", watts: v }, i: { type: "constant_current", amps: v }, none: { type: "none" } }
            const load = kinds[w[2]]
            if (!load) return "load N r OHMS | p WATTS | i AMPS | none"
            sim.setLoad(ch, load)
            return "load changed"
        }
        default:
            return `unknown command '${w[0]}'; ${HELP}`
    }
}

function statusLine(sim: LiveSim): string {
    const v = sim.view()
    const b = v.battery
    const soc = b.updated_ms < 0 ? "waiting" : b.known ? `${toFixed(b.soc_pm / 10, 1)} % (${toFixed(b.socLow_pm / 10, 0)}-${toFixed(b.socHigh_pm / 10, 0)})` : `unknown, ${toFixed(b.socLow_pm / 10, 0)}-${toFixed(b.socHigh_pm / 10, 0)} %`
    const parts = [`t=${toFixed(v.t_s, 0)}s pack ${toFixed(v.pack.voltage_V, 2)} V | firmware SOC ${soc}, truth ${toFixed(v.pack.soc_pct, 1)} %`]
    if (!v.link.alive) parts.push("waiting for the firmware VM...")
    const g = b.charging
    if (g.phase !== "unknown" && g.phase !== "none") parts.push(`charging ${g.phase}${g.input ? " from " + g.input : ""} ${toFixed(g.charge_mA / 1000, 2)} A to ${toFixed(g.target_pm / 10, 0)} %`)
    for (const c of v.channels) {
        const f = c.firmware
        parts.push(`ch${c.index} ${f.label} [${f.state}] fw ${toFixed(f.current_mA / 1000, 3)} A ${toFixed(f.voltage_mV / 1000, 2)} V ${toFixed(f.power_mW / 1000, 1)} W ${f.energy_mWh} mWh | plant ${toFixed(c.plant.current_mA / 1000, 3)} A | load ${c.loadText}`)
    }
    return parts.join("  ")
}

async function main(): Promise<void> {
    const port = parseInt(arg("--port", "8090"), 10)
    const prompt = !process.argv.includes("--no-prompt")
    const logDir = path.join(ROOT, ".devicescript", "logs")
    fs.mkdirSync(logDir, { recursive: true })
    if (process.argv.includes("--fresh") && fs.existsSync(SIM_FLASH)) fs.unlinkSync(SIM_FLASH)
    const group = new ProcessGroup()
    let stopping = false
    const stop = async (code: number) => {
        if (stopping) return
        stopping = true
        console.log("\nstopping the simulator...")
        await group.killAll()
        process.exit(code)
    }
    process.on("SIGINT", () => void stop(0))
    process.on("SIGTERM", () => void stop(0))
    process.on("SIGHUP", () => void stop(0))
    // Whatever ends this process, the hub and the VM must not outlive it.
    process.on("exit", () => group.killAllNow())
    process.on("uncaughtException", e => {
        console.error(e && e.stack ? e.stack : e)
        group.killAllNow()
        process.exit(1)
    })
    try {
        await startHub(group, path.join(logDir, "devtools.log"))
        const bus = connectBus()
        const sim = new LiveSim(bus, undefined, process.argv.includes("--soc") ? parseFloat(arg("--soc", "")) : undefined)
        sim.start()
        startFirmware(group, "src/main_sim.ts", line => {
            const m = /WASM> (.*)$/.exec(line)
            // State changes and refusals reach the log through the Jacdac service (what a client sees);
            // the firmware's own console copy of them would only repeat it.
            if (m && !/^ch\d+ (state|rejected)/.test(m[1])) sim.note("firmware: " + m[1])
            else if (/error|exception|panic/i.test(line)) sim.note("firmware VM: " + line)
        }, path.join(logDir, "firmware.log"))
        await startWebServer(sim, port)
        console.log(`Power Coop simulator: live view at http://127.0.0.1:${port}  (logs in ${path.relative(process.cwd(), logDir)}/, Ctrl-C to stop)`)
        console.log(HELP)
        setInterval(() => console.log(statusLine(sim)), 2000)
        // Echo new log lines (firmware events, user actions, board changes) to the terminal.
        let lastSeq = 0
        setInterval(() => {
            for (const l of sim.log) if (l.seq > lastSeq) console.log(`  [${toFixed(l.t_s, 1)} s] ${l.text}`)
            if (sim.log.length) lastSeq = sim.log[sim.log.length - 1].seq
        }, 500)
        if (prompt) {
            const rl = readline.createInterface({ input: process.stdin })
            rl.on("line", async line => {
                try {
                    const out = await command(sim, line)
                    if (out) console.log(out)
                } catch (e: any) {
                    console.log(`error: ${e.message}`)
                }
            })
            rl.on("close", () => void 0)
        }
    } catch (e: any) {
        console.error(`could not start the simulator: ${e.message}`)
        await stop(1)
    }
}

void main()
