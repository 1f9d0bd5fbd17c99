// The live view: a local page (works offline) plus a small JSON API for it.
//   GET  /                      the page (sim/web/index.html)
//   GET  /api/state             everything the page shows
//   GET  /api/stream            the same as server-sent events, 4 per second
//   POST /api/channel/N/enable  {"on": true}
//   POST /api/channel/N/limit   {"limit_mA": 2000}
//   POST /api/channel/N/load    {"type": "resistive", "ohms": 12}
//   POST /api/channel/N/set     {"name": "Fridge"} | {"priority": "critical"} | {"quota_Wh": 50} | {"voltage_mV": 9000}
//   POST /api/charger           {"voltage_V": 16.8, "current_A": 4} or {"off": true} (a bench supply onto the pack)
//   POST /api/input             {"usb": "laptop65"} | {"dc": "solar"} | {"usb": "none"} (a source at the charger's inputs)
//   POST /api/charging          {"ceiling_pm": 900} | {"fullIn_h": 8} (0 cancels): through the battery service
import * as http from "http"
import * as fs from "fs"
import * as path from "path"
import { LiveSim } from "./live_sim"

const PAGE = path.join(__dirname, "..", "web", "index.html")

function send(res: http.ServerResponse, status: number, body: any): void {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
    res.end(JSON.stringify(body))
}

function readBody(req: http.IncomingMessage): Promise<any> {
    return new Promise((resolve, reject) => {
        let s = ""
        req.on("data", c => {
            s += c
            if (s.length > 10000) reject(new Error("body too large"))
        })
        req.on("end", () => {
            try {
                resolve(s ? JSON.parse(s) : {})
            } catch {
                reject(new Error("body is not JSON"))
            }
        })
    })
}

export function startWebServer(sim: LiveSim, port: number): Promise<http.Server> {
    const server = http.createServer(async (req, res) => {
        try {
            const url = req.url || "/"
            if (req.method === "GET" && (url === "/" || url === "/index.html")) {
                res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
                res.end(fs.readFileSync(PAGE))
                return
            }
            if (req.method === "GET" && url === "/api/state") return send(res, 200, sim.view())
            if (req.method === "GET" && url === "/api/stream") {
                res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" })
                const t = setInterval(() => res.write(`data: ${JSON.stringify(sim.view())}\n\n`), 250)
                req.on("close", () => clearInterval(t))
                return
            }
            if (req.method === "POST" && url === "/api/charger") {
                const body = await readBody(req)
                sim.setCharger(body.off === true ? undefined : { voltage_V: body.voltage_V, current_A: body.current_A })
                return send(res, 200, { ok: true })
            }
            if (req.method === "POST" && url === "/api/input") {
                const body = await readBody(req)
                const input = typeof body.usb === "string" ? "usb" : typeof body.dc === "string" ? "dc" : ""
                if (!input) return send(res, 400, { error: 'expected {"usb": NAME} or {"dc": NAME}' })
                try {
                    sim.plugInput(input, body[input])
                } catch (e) {
                    return send(res, 400, { error: String((e as any)?.message ?? e) })
                }
                return send(res, 200, { ok: true })
            }
            if (req.method === "POST" && url === "/api/charging") {
                // The battery service's charge_ceiling register and charge_full_by command, sent as-is: the
                // firmware's validator decides (and the log says why not).
                const body = await readBody(req)
                if (typeof body.ceiling_pm === "number") await sim.setChargeCeiling(body.ceiling_pm)
                else if (typeof body.fullIn_h === "number") await sim.chargeFullBy(body.fullIn_h)
                else return send(res, 400, { error: 'expected {"ceiling_pm": 900} or {"fullIn_h": 8}' })
                return send(res, 200, { ok: true })
            }
            if (req.method === "POST" && url === "/api/clear-faults") {
                await sim.clearFaults()
                return send(res, 200, { ok: true })
            }
            const m = /^\/api\/channel\/(\d+)\/(enable|limit|load|set)$/.exec(url)
            if (req.method === "POST" && m) {
                const ch = parseInt(m[1], 10)
                const body = await readBody(req)
                if (m[2] === "enable") {
                    if (typeof body.on !== "boolean") return send(res, 400, { error: "'on' must be true or false" })
                    await sim.setEnabled(ch, body.on)
                } else if (m[2] === "limit") {
                    // Sent as-is: the firmware's validator is the one that decides (and says why not).
                    if (typeof body.limit_mA !== "number" || !(body.limit_mA >= 0 && body.limit_mA < 2 ** 32))
                        return send(res, 400, { error: "'limit_mA' must be a number 0..4294967295 (the register is u32)" })
                    await sim.setLimit(ch, Math.round(body.limit_mA))
                } else if (m[2] === "set") {
                    const keys = Object.keys(body)
                    if (keys.length !== 1) return send(res, 400, { error: "one field: name, priority, quota_Wh or voltage_mV" })
                    await sim.setChannel(ch, keys[0], body[keys[0]])
                } else sim.setLoad(ch, body)
                return send(res, 200, { ok: true })
            }
            send(res, 404, { error: "not found" })
        } catch (e: any) {
            send(res, 400, { error: e && e.message ? e.message : String(e) })
        }
    })
    return new Promise((resolve, reject) => {
        server.once("error", reject)
        server.listen(port, "127.0.0.1", () => resolve(server))
    })
}
