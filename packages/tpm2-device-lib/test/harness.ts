/** Shared set-up for the driver tests: bus + QEMU-like device + fake backend + virtual clock. */
import { CrbDevice, FakeBackend, MmioBus, MmioTrace, TisDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import type { FakeBackendOptions, TisOptions } from '@tcg2sim/ptp';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';

export const B = TPM_BASE_ADDRESS;

/** TPM2_Startup(CLEAR) (docs/edk2-pei.md §7.2). */
export const STARTUP = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0c, 0, 0, 0x01, 0x44, 0, 0);

/** A 10-byte success response. */
export const OK = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0);

export interface Rig<D> {
  readonly bus: MmioBus;
  readonly clock: VirtualClock;
  readonly backend: FakeBackend;
  readonly device: D;
  readonly lib: Tpm2DeviceLib;
  readonly trace: MmioTrace;
}

export function tisRig(options: FakeBackendOptions = {}, tis: TisOptions = {}): Rig<TisDevice> {
  const clock = new VirtualClock({ skipIdle: true });
  const backend = new FakeBackend({ clock, ...options });
  const device = new TisDevice(backend, tis);
  const bus = new MmioBus();
  bus.map(B, device);
  const trace = new MmioTrace();
  const lib = Tpm2DeviceLib.open({ bus, clock });
  return { bus, clock, backend, device, lib, trace };
}

export function crbRig(options: FakeBackendOptions = {}): Rig<CrbDevice> {
  const clock = new VirtualClock({ skipIdle: true });
  const backend = new FakeBackend({ clock, ...options });
  const device = new CrbDevice(backend);
  const bus = new MmioBus();
  bus.map(B, device);
  const trace = new MmioTrace();
  const lib = Tpm2DeviceLib.open({ bus, clock });
  return { bus, clock, backend, device, lib, trace };
}

/** Builds a TPM2_PCR_Extend of PCR `pcr` with one digest per bank (docs/edk2-pei.md §7.5). */
export function pcrExtend(pcr: number, digests: readonly { alg: number; digest: Uint8Array }[]): Uint8Array {
  const body: number[] = [];
  const u16 = (v: number): void => void body.push((v >> 8) & 0xff, v & 0xff);
  const u32 = (v: number): void => void body.push((v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
  u32(0x182);
  u32(pcr);
  u32(9);
  body.push(0x40, 0, 0, 0x09, 0, 0, 0, 0, 0);
  u32(digests.length);
  for (const d of digests) {
    u16(d.alg);
    body.push(...d.digest);
  }
  const size = 6 + body.length;
  return Uint8Array.from([0x80, 0x02, (size >>> 24) & 0xff, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, ...body]);
}

/** The PCR_Extend reply swtpm gives (docs/edk2-pei.md §7.5, E). */
export const PCR_EXTEND_REPLY = Uint8Array.of(0x80, 0x02, 0, 0, 0, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0);

/** A response of `size` bytes with a valid header (tag 0x8001, rc 0) and a byte pattern. */
export function response(size: number, seed = 0): Uint8Array {
  const r = new Uint8Array(size);
  for (let i = 10; i < size; i++) r[i] = (i * 7 + seed) & 0xff;
  r.set([0x80, 0x01, (size >>> 24) & 0xff, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff, 0, 0, 0, 0]);
  return r;
}
