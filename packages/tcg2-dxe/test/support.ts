/** Test rigs for Tcg2Dxe: a recording TPM and small hand-built PE32+ / TE images. */
import { createHash } from 'node:crypto';
import { Tcg2Dxe, TpmDeviceError } from '@tcg2sim/tcg2-dxe';
import type { Tcg2DxeConfig, Tcg2DxeTpm } from '@tcg2sim/tcg2-dxe';
import type { BankDigest } from '@tcg2sim/hash-lib';

/** A TPM below Tcg2Dxe that records extends and can be told to fail. */
export class RecordingTpm implements Tcg2DxeTpm {
  readonly extends: { pcr: number; digests: readonly BankDigest[] }[] = [];
  readonly submitted: Uint8Array[] = [];
  failNext: Error | undefined;
  response: Uint8Array = Uint8Array.of(0x80, 0x01, 0, 0, 0, 0x0a, 0, 0, 0, 0);

  pcrExtend(pcr: number, digests: readonly BankDigest[]): Promise<void> {
    const f = this.failNext;
    this.failNext = undefined;
    if (f !== undefined) return Promise.reject(f);
    this.extends.push({ pcr, digests });
    return Promise.resolve();
  }
  submitCommand(command: Uint8Array): Promise<Uint8Array> {
    this.submitted.push(command);
    return Promise.resolve(this.response);
  }
}

/** A started Tcg2Dxe: 4 supported banks, `active` allocated, PcdTpm2HashMask 0x0F. */
export function startDxe(active: number, over: Partial<Tcg2DxeConfig> = {}): { dxe: Tcg2Dxe; tpm: RecordingTpm } {
  const tpm = new RecordingTpm();
  const dxe = Tcg2Dxe.start({
    tpm, hashMask: 0x0f, tpmSupportedBanks: 0x0f, tpmActiveBanks: active, manufacturerId: 0x004d4249, maxCommandSize: 0x1000,
    maxResponseSize: 0x1000, peiEvents: [], ...over,
  });
  return { dxe, tpm };
}

/** Makes the next extend fail with EFI_DEVICE_ERROR (TPMPresentFlag goes FALSE). */
export async function killTpm(dxe: Tcg2Dxe, tpm: RecordingTpm): Promise<void> {
  tpm.failNext = new TpmDeviceError('dead');
  await dxe.hashLogExtend(0, 0xd, new Uint8Array(1), new Uint8Array(1));
}

/** Hex of bytes. */
export function hex(b: Uint8Array | undefined): string {
  return Buffer.from(b ?? new Uint8Array()).toString('hex');
}

/** Digest with node:crypto. */
export function h(alg: 'sha1' | 'sha256', ...parts: Uint8Array[]): string {
  const c = createHash(alg);
  for (const p of parts) c.update(p);
  return c.digest('hex');
}

/** The digest of `alg` in a digest list, as hex. */
export function dig(list: readonly BankDigest[] | undefined, alg: number): string {
  return hex(list?.find((d) => d.alg === alg)?.digest);
}

const OPT = 0x40 + 24;

/** The one section header of {@link tinyPe} and {@link tinyTe} at `sec`: `.text`, 0x200 bytes at RVA 0x1000 and file offset 0x200, code. */
function textSectionHeader(b: Uint8Array, sec: number): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  b.set(new TextEncoder().encode('.text'), sec);
  v.setUint32(sec + 8, 0x200, true);
  v.setUint32(sec + 12, 0x1000, true);
  v.setUint32(sec + 16, 0x200, true);
  v.setUint32(sec + 20, 0x200, true);
  v.setUint32(sec + 36, 0x60000020, true);
}

/**
 * A minimal PE32+ (one 0x200-byte section, 16 data directories, no certificate): DOS header
 * with e_lfanew 0x40, headers 0x200 bytes, section raw data at 0x200.
 */
export function tinyPe(subsystem: number, fill = 0xc3): Uint8Array {
  const b = new Uint8Array(0x400);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x5a4d, true);
  v.setUint32(0x3c, 0x40, true);
  v.setUint32(0x40, 0x00004550, true);
  v.setUint16(0x44, 0x8664, true); // Machine
  v.setUint16(0x46, 1, true); // NumberOfSections
  v.setUint16(0x54, 240, true); // SizeOfOptionalHeader
  v.setUint16(0x56, 0x22, true);
  v.setUint16(OPT, 0x20b, true);
  v.setUint32(OPT + 4, 0x200, true); // SizeOfCode
  v.setUint32(OPT + 16, 0x1000, true); // AddressOfEntryPoint
  v.setUint32(OPT + 20, 0x1000, true); // BaseOfCode
  v.setBigUint64(OPT + 24, 0x140000000n, true); // ImageBase
  v.setUint32(OPT + 32, 0x1000, true);
  v.setUint32(OPT + 36, 0x200, true);
  v.setUint32(OPT + 56, 0x2000, true); // SizeOfImage
  v.setUint32(OPT + 60, 0x200, true); // SizeOfHeaders
  v.setUint32(OPT + 64, 0xdeadbeef, true); // CheckSum (skipped by the hash)
  v.setUint16(OPT + 68, subsystem, true);
  v.setUint32(OPT + 108, 16, true); // NumberOfRvaAndSizes
  v.setUint32(OPT + 144, 0x11111111, true); // Security directory (skipped by the hash)
  const sec = OPT + 240;
  textSectionHeader(b, sec);
  b.fill(fill, 0x200, 0x400);
  return b;
}

/** The Authenticode-style digest of {@link tinyPe}, by hand from docs/edk2-dxe.md §7. */
export function tinyPeDigest(alg: 'sha1' | 'sha256', pe: Uint8Array): string {
  return h(alg, pe.subarray(0, OPT + 64), pe.subarray(OPT + 68, OPT + 144), pe.subarray(OPT + 152, 0x200), pe.subarray(0x200, 0x400));
}

/** A TE image ("VZ") built from {@link tinyPe}'s section. */
export function tinyTe(subsystem: number): Uint8Array {
  const stripped = OPT + 240 - 40; // everything before the section table, less the TE header
  const b = new Uint8Array(0x400 - stripped);
  const v = new DataView(b.buffer);
  v.setUint16(0, 0x5a56, true);
  v.setUint16(2, 0x8664, true);
  b[4] = 1;
  b[5] = subsystem;
  v.setUint16(6, stripped, true);
  v.setUint32(8, 0x1000, true);
  v.setUint32(12, 0x1000, true);
  v.setBigUint64(16, 0x140000000n, true);
  const sec = 40;
  textSectionHeader(b, sec);
  b.fill(0xc3, 0x200 - stripped);
  return b;
}
