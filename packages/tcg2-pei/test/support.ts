/**
 * Test rigs for Tcg2Pei: the real firmware stack over the in-process soft TPM (TIS register
 * model, Tpm2DeviceLibDTpm, Tpm2CommandLib), and a scriptable Tcg2PeiTpm for failure injection.
 */
import { createHash } from 'node:crypto';
import { MmioBus, TisDevice, CrbDevice, TPM_BASE_ADDRESS, VirtualClock } from '@tcg2sim/ptp';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { Tpm2DeviceLib } from '@tcg2sim/tpm2-device-lib';
import { PeiTpmCommandError } from '@tcg2sim/tcg2-pei';
import type { PeiDeviceLib, PeiEfiError, Tcg2PeiTpm } from '@tcg2sim/tcg2-pei';
import type { BankDigest } from '@tcg2sim/hash-lib';

/** The soft TPM behind a QEMU-like register model and the firmware device library. */
export interface SoftRig {
  readonly backend: SoftTpmBackend;
  readonly lib: PeiDeviceLib;
  /** Every command that crossed the device library, in order. */
  readonly commands: Uint8Array[];
}

/** A powered-on soft TPM with `banks` allocated, behind tpm-tis (or tpm-crb). */
export async function softRig(banks?: readonly string[], iface: 'tis' | 'crb' = 'tis'): Promise<SoftRig> {
  const backend = new SoftTpmBackend(banks === undefined ? {} : { banks });
  await backend.powerOn();
  const bus = new MmioBus();
  bus.map(TPM_BASE_ADDRESS, iface === 'tis' ? new TisDevice(backend) : new CrbDevice(backend, { base: TPM_BASE_ADDRESS }));
  const dev = Tpm2DeviceLib.open({ bus, clock: new VirtualClock() });
  const commands: Uint8Array[] = [];
  const lib: PeiDeviceLib = {
    requestUseTpm: () => dev.requestUseTpm(),
    async submit(command, options) {
      commands.push(command.slice());
      return dev.submit(command, options ?? {});
    },
  };
  return { backend, lib, commands };
}

/** The command code of a TPM command. */
export function cc(command: Uint8Array): number {
  return new DataView(command.buffer, command.byteOffset, command.byteLength).getUint32(6);
}

/** Hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** PCR extend with node:crypto (independent of hash-lib). */
export function extend(alg: 'sha1' | 'sha256' | 'sha384' | 'sha512', pcr: Uint8Array, digest: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(alg).update(pcr).update(digest).digest());
}

/** Digest with node:crypto. */
export function digest(alg: 'sha1' | 'sha256' | 'sha384' | 'sha512', data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(alg).update(data).digest());
}

/** What the scripted TPM was asked to do. */
export type FakeCall =
  | { readonly op: 'requestUse' }
  | { readonly op: 'startup'; readonly su: 'CLEAR' | 'STATE' }
  | { readonly op: 'getCapabilityPcrs' }
  | { readonly op: 'selfTest' }
  | { readonly op: 'pcrRead'; readonly pcr: number }
  | { readonly op: 'pcrExtend'; readonly pcr: number; readonly digests: readonly BankDigest[] }
  | { readonly op: 'pcrAllocate'; readonly supported: number; readonly allocate: number };

/** Behaviour of {@link FakePeiTpm}. */
export interface FakeBehaviour {
  requestUseFails?: boolean;
  /** Response code of Startup(CLEAR) / Startup(STATE). */
  startupRc?: { CLEAR?: number; STATE?: number };
  startupThrows?: boolean;
  /** The PCR banks: hash alg -> active. Default: SHA1/256/384/512 all active. */
  banks?: readonly { hash: number; active: boolean }[];
  getCapabilityFails?: boolean;
  selfTestThrows?: boolean;
  /** Fail the n-th PCR_Extend (0-based) with this EFI status. */
  extendFailures?: ReadonlyMap<number, PeiEfiError>;
  allocateFails?: boolean;
}

/** A scriptable Tcg2PeiTpm: records calls, fails where told. */
export class FakePeiTpm implements Tcg2PeiTpm {
  readonly calls: FakeCall[] = [];
  readonly b: FakeBehaviour;
  #extends = 0;

  constructor(b: FakeBehaviour = {}) {
    this.b = b;
  }

  requestUseTpm(): Promise<void> {
    this.calls.push({ op: 'requestUse' });
    return this.b.requestUseFails === true ? Promise.reject(new PeiTpmCommandError('NOT_FOUND', 'no TPM')) : Promise.resolve();
  }
  startup(su: 'CLEAR' | 'STATE'): Promise<number> {
    this.calls.push({ op: 'startup', su });
    if (this.b.startupThrows === true) return Promise.reject(new PeiTpmCommandError('DEVICE_ERROR', 'transport'));
    return Promise.resolve(this.b.startupRc?.[su] ?? 0);
  }
  getCapabilityPcrs(): Promise<readonly { readonly hash: number; readonly pcrSelect: Uint8Array }[]> {
    this.calls.push({ op: 'getCapabilityPcrs' });
    if (this.b.getCapabilityFails === true) return Promise.reject(new PeiTpmCommandError('DEVICE_ERROR', 'rc'));
    const banks = this.b.banks ?? [0x04, 0x0b, 0x0c, 0x0d].map((hash) => ({ hash, active: true }));
    return Promise.resolve(banks.map((x) => ({ hash: x.hash, pcrSelect: x.active ? Uint8Array.of(0xff, 0xff, 0xff) : new Uint8Array(3) })));
  }
  selfTest(): Promise<void> {
    this.calls.push({ op: 'selfTest' });
    return this.b.selfTestThrows === true ? Promise.reject(new PeiTpmCommandError('DEVICE_ERROR', 'transport')) : Promise.resolve();
  }
  pcrRead(pcr: number): Promise<void> {
    this.calls.push({ op: 'pcrRead', pcr });
    return Promise.resolve();
  }
  pcrExtend(pcr: number, digests: readonly BankDigest[]): Promise<void> {
    this.calls.push({ op: 'pcrExtend', pcr, digests });
    const f = this.b.extendFailures?.get(this.#extends++);
    return f === undefined ? Promise.resolve() : Promise.reject(new PeiTpmCommandError(f, 'injected'));
  }
  pcrAllocate(supported: number, allocate: number): Promise<void> {
    this.calls.push({ op: 'pcrAllocate', supported, allocate });
    return this.b.allocateFails === true ? Promise.reject(new PeiTpmCommandError('DEVICE_ERROR', 'rc')) : Promise.resolve();
  }

  /** The recorded operation names. */
  get ops(): string[] {
    return this.calls.map((c) => c.op);
  }
  /** The PCR_Extend calls. */
  get extends(): { pcr: number; digests: readonly BankDigest[] }[] {
    return this.calls.flatMap((c) => (c.op === 'pcrExtend' ? [{ pcr: c.pcr, digests: c.digests }] : []));
  }
}

/** A synthetic FV image of `length` bytes with an extended header naming it `guid` (or none). */
export function fvBytes(length: number, fill: number, guid?: Uint8Array): Uint8Array {
  const b = new Uint8Array(length).fill(fill);
  if (guid !== undefined) {
    b[0x34] = 0x48;
    b[0x35] = 0x00;
    b.set(guid, 0x48);
  } else {
    b[0x34] = 0;
    b[0x35] = 0;
  }
  return b;
}
