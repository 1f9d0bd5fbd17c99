// SettingsStore on DeviceScript settings (flash on a device, a file under `devs run`, memory in tests).
import { readSetting, writeSetting } from "@devicescript/settings"
import { SettingsStore } from "../core/io"

export class DsSettingsStore implements SettingsStore {
    async read(key: string): Promise<any> {
        // readSetting answers the default for both "missing" and "unparsable"; callers validate the value.
        return await readSetting<any>(key, undefined)
    }
    async write(key: string, value: any): Promise<void> {
        await writeSetting(key, value)
    }
}
