/**
 * Real ArmVirtQemu boots committed as vectors (test/vectors/debian-12-2022.11/): Debian 12's
 * qemu-efi-aarch64 2022.11-6+deb12u2 AAVMF_CODE.fd + AAVMF_VARS.fd booted to the UEFI Shell by
 * `captureArmVirtBoot` (qemu-system-aarch64 7.2 -M virt -cpu cortex-a57, tpm-tis-device, swtpm
 * 0.7), the event log taken from guest RAM and the PCRs read back from swtpm.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BankName } from '@tcg2sim/hash-lib';

/** One capture: the VM's shape, the log and swtpm's PCRs 0-7 per allocated bank. */
export interface ArmVirtVector {
  readonly name: string;
  readonly memoryMiB: number;
  readonly cpus: number;
  /** The banks swtpm_setup allocated; undefined: a fresh swtpm (all four). */
  readonly banks: readonly BankName[] | undefined;
  readonly eventLog: Uint8Array;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Debian 12's images (qemu-efi-aarch64), as the vectors were captured from. */
export const AAVMF_CODE = '/usr/share/AAVMF/AAVMF_CODE.fd';
export const AAVMF_VARS = '/usr/share/AAVMF/AAVMF_VARS.fd';

/** The captured shapes: RAM and the bank set move the Shell's buffer (image-buffer.ts), CPUs do not. */
export const VECTOR_NAMES = ['m512c1all', 'm1024c1all', 'm1024c2all', 'm1024c1sha256', 'm2048c1all', 'm2048c2sha256', 'm3072c1all', 'm4096c1all'] as const;

const DIR = fileURLToPath(new URL('../../test/vectors/debian-12-2022.11/', import.meta.url));

interface VectorJson {
  readonly memoryMiB: number;
  readonly cpus: number;
  readonly banks: readonly BankName[] | null;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Reads one vector (the .bin and .json of `name`). */
export function loadVector(name: string): ArmVirtVector {
  const j = JSON.parse(readFileSync(`${DIR}${name}-pcrs.json`, 'utf8')) as VectorJson;
  return {
    name, memoryMiB: j.memoryMiB, cpus: j.cpus, banks: j.banks ?? undefined,
    eventLog: new Uint8Array(readFileSync(`${DIR}${name}-eventlog.bin`)), pcrs: j.pcrs,
  };
}
