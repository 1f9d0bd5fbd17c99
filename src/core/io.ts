// Digital lines the core drives. On hardware a GPIO, in the simulator a pin of the emulated board.
export interface DigitalOut {
    write(high: boolean): void
}

/** Persistent key/value settings (DeviceScript settings on a device, a map in tests). Keys <= 13 chars. */
export interface SettingsStore {
    read(key: string): Promise<any>
    write(key: string, value: any): Promise<void>
}
