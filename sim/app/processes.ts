// Child processes of the simulator: the devtools hub and the firmware VM. Each runs in its own process
// group so Ctrl-C (or a test's cleanup) kills it with everything it started.
import { ChildProcess, spawn } from "child_process"
import * as net from "net"
import * as path from "path"
import * as fs from "fs"

export const ROOT = path.join(__dirname, "..", "..")
export const HUB_PORT = 8081
const DEVS_CLI = path.join(ROOT, "node_modules", "@devicescript", "cli", "devicescript")

export function stripAnsi(s: string): string {
    // eslint-disable-next-line no-control-regex
    return s.replace(/\u001b\[[0-9;]*m/g, "")
}

export function portOpen(port: number): Promise<boolean> {
    return new Promise(resolve => {
        const s = net.connect({ host: "127.0.0.1", port })
        s.once("connect", () => {
            s.destroy()
            resolve(true)
        })
        s.once("error", () => resolve(false))
    })
}

export async function waitForPort(port: number, timeout_ms: number): Promise<void> {
    const end = Date.now() + timeout_ms
    while (Date.now() < end) {
        if (await portOpen(port)) return
        await new Promise(r => setTimeout(r, 100))
    }
    throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeout_ms} ms`)
}

export class ProcessGroup {
    private children: { name: string; proc: ChildProcess }[] = []

    /** Start `node <devs cli> args...`; each output line goes to `onLine` and to `logFile` if given. */
    devs(name: string, args: string[], onLine?: (line: string) => void, logFile?: string): ChildProcess {
        const log = logFile ? fs.createWriteStream(logFile) : undefined
        const proc = spawn(process.execPath, [DEVS_CLI, ...args], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] })
        let partial = ""
        const feed = (chunk: Buffer) => {
            const text = partial + chunk.toString("utf8")
            const lines = text.split("\n")
            partial = lines.pop()
            for (const l of lines) {
                if (log) log.write(l + "\n")
                if (onLine) onLine(stripAnsi(l))
            }
        }
        proc.stdout.on("data", feed)
        proc.stderr.on("data", feed)
        proc.on("exit", () => log && log.end())
        this.children.push({ name, proc })
        return proc
    }

    running(name: string): boolean {
        const c = this.children.find(x => x.name === name)
        return !!c && c.proc.exitCode === null && c.proc.signalCode === null
    }

    /** Stop one child (by name) and wait for it. */
    async kill(name: string, grace_ms = 1500): Promise<void> {
        await this.stop(this.children.filter(c => c.name === name), grace_ms)
        this.children = this.children.filter(c => c.name !== name)
    }

    /** SIGTERM every group, SIGKILL whatever is left after `grace_ms`. */
    async killAll(grace_ms = 1500): Promise<void> {
        await this.stop(this.children, grace_ms)
        this.children = []
    }

    /** Last resort when the parent itself is exiting: SIGKILL every child group, synchronously. */
    killAllNow(): void {
        for (const c of this.children) if (c.proc.exitCode === null && c.proc.signalCode === null) signalGroup(c.proc, "SIGKILL")
    }

    private async stop(which: { name: string; proc: ChildProcess }[], grace_ms: number): Promise<void> {
        const alive = which.filter(c => c.proc.exitCode === null && c.proc.signalCode === null)
        for (const c of alive) signalGroup(c.proc, "SIGTERM")
        const end = Date.now() + grace_ms
        while (Date.now() < end && alive.some(c => c.proc.exitCode === null && c.proc.signalCode === null)) await new Promise(r => setTimeout(r, 50))
        for (const c of alive) if (c.proc.exitCode === null && c.proc.signalCode === null) signalGroup(c.proc, "SIGKILL")
    }
}

function signalGroup(p: ChildProcess, sig: NodeJS.Signals): void {
    try {
        process.kill(-p.pid, sig)
    } catch {
        try {
            p.kill(sig)
        } catch {
            /* already gone */
        }
    }
}

/** Start the devtools hub headless; refuses if another one (one per machine) already holds the port. */
export async function startHub(group: ProcessGroup, logFile?: string): Promise<void> {
    if (await portOpen(HUB_PORT))
        throw new Error(`port ${HUB_PORT} is already in use: another devtools hub (or simulator) is running on this machine; stop it first`)
    group.devs("devtools", ["devtools"], undefined, logFile)
    await waitForPort(HUB_PORT, 20000)
}

/**
 * The VM keeps the simulated box's flash (settings) here, like a real box keeps its flash across
 * power cycles. `npm start -- --fresh` and the e2e test use a blank one.
 */
export const SIM_FLASH = path.join(ROOT, ".devicescript", "flash", "sim.bin")

/** Run `fn` with a blank simulated flash, then put the user's flash back. */
export async function withBlankFlash<T>(fn: () => Promise<T>): Promise<T> {
    const saved = SIM_FLASH + ".saved-by-e2e"
    if (fs.existsSync(saved)) fs.renameSync(saved, SIM_FLASH) // an interrupted earlier run
    const had = fs.existsSync(SIM_FLASH)
    if (had) fs.renameSync(SIM_FLASH, saved)
    try {
        return await fn()
    } finally {
        if (fs.existsSync(SIM_FLASH)) fs.unlinkSync(SIM_FLASH)
        if (had) fs.renameSync(saved, SIM_FLASH)
    }
}

/** Build and run the firmware in the DeviceScript VM, connected to the hub. */
export function startFirmware(group: ProcessGroup, entry: string, onLine: (line: string) => void, logFile?: string): ChildProcess {
    return group.devs("firmware", ["run", entry], onLine, logFile)
}
