import { fixedBytes, list, sized, struct, u16le, u32le, union } from '@tcg2sim/binary-codec';
import type { Codec, Infer } from '@tcg2sim/binary-codec';

/**
 * Event types (TCG PC Client Platform Firmware Profile 1.05, §10.4.1 Table 9; EDK II
 * `MdePkg/Include/IndustryStandard/UefiTcgPlatform.h`).
 */
export const EV = {
  PREBOOT_CERT: 0x00000000,
  POST_CODE: 0x00000001,
  UNUSED: 0x00000002,
  NO_ACTION: 0x00000003,
  SEPARATOR: 0x00000004,
  ACTION: 0x00000005,
  EVENT_TAG: 0x00000006,
  S_CRTM_CONTENTS: 0x00000007,
  S_CRTM_VERSION: 0x00000008,
  CPU_MICROCODE: 0x00000009,
  PLATFORM_CONFIG_FLAGS: 0x0000000a,
  TABLE_OF_DEVICES: 0x0000000b,
  COMPACT_HASH: 0x0000000c,
  IPL: 0x0000000d,
  IPL_PARTITION_DATA: 0x0000000e,
  NONHOST_CODE: 0x0000000f,
  NONHOST_CONFIG: 0x00000010,
  NONHOST_INFO: 0x00000011,
  OMIT_BOOT_DEVICE_EVENTS: 0x00000012,
  EFI_VARIABLE_DRIVER_CONFIG: 0x80000001,
  EFI_VARIABLE_BOOT: 0x80000002,
  EFI_BOOT_SERVICES_APPLICATION: 0x80000003,
  EFI_BOOT_SERVICES_DRIVER: 0x80000004,
  EFI_RUNTIME_SERVICES_DRIVER: 0x80000005,
  EFI_GPT_EVENT: 0x80000006,
  EFI_ACTION: 0x80000007,
  EFI_PLATFORM_FIRMWARE_BLOB: 0x80000008,
  EFI_HANDOFF_TABLES: 0x80000009,
  EFI_PLATFORM_FIRMWARE_BLOB2: 0x8000000a,
  EFI_HANDOFF_TABLES2: 0x8000000b,
  EFI_VARIABLE_BOOT2: 0x8000000c,
  EFI_HCRTM_EVENT: 0x80000010,
  EFI_VARIABLE_AUTHORITY: 0x800000e0,
  EFI_SPDM_FIRMWARE_BLOB: 0x800000e1,
  EFI_SPDM_FIRMWARE_CONFIG: 0x800000e2,
} as const;
/** A known event type value. */
export type EventType = (typeof EV)[keyof typeof EV];

const NAMES = new Map<number, string>(Object.entries(EV).map(([k, v]) => [v, `EV_${k}`]));
const VALUES = new Map<string, number>(Object.entries(EV).map(([k, v]) => [`EV_${k}`, v]));

/** `EV_SEPARATOR` for 4; undefined for a type no spec defines. */
export function eventTypeName(type: number): string | undefined {
  return NAMES.get(type);
}

/** The spec name, or `0x…` hex for unknown types (stable text for JSON and diffs). */
export function eventTypeLabel(type: number): string {
  return NAMES.get(type) ?? `0x${type.toString(16).padStart(8, '0')}`;
}

/** Event type value from its spec name (`EV_SEPARATOR`) or hex text; undefined when unknown. */
export function eventTypeFromName(name: string): number | undefined {
  const v = VALUES.get(name);
  if (v !== undefined) return v;
  if (/^0x[0-9a-f]{1,8}$/i.test(name)) return Number.parseInt(name.slice(2), 16);
  return undefined;
}

/** Upper bound for one event's data (EventSize). The bytes must also be present in the input. */
export const MAX_EVENT_DATA = 0x0100_0000;
/** Upper bound for the digest count of one TCG_PCR_EVENT2 (five registry hashes fit many times). */
export const MAX_DIGESTS = 32;
/** Size of a TCG_PCR_EVENT header (PCRIndex, EventType, Digest[20], EventSize). */
export const TCG_PCR_EVENT_HEADER_SIZE = 32;

/**
 * TCG_PCR_EVENT (PFP 1.05 §10.2.1, "SHA1 log" record; EDK II TCG_PCR_EVENT_HDR + Event[]).
 * UINT32 PCRIndex; UINT32 EventType; BYTE Digest[20]; UINT32 EventSize; BYTE Event[EventSize].
 */
export const TCGPCREvent = struct('TCG_PCR_EVENT', {
  pcrIndex: u32le,
  eventType: u32le,
  digest: fixedBytes('digest', 20),
  event: sized('event', u32le, MAX_EVENT_DATA),
});
export type TCGPCREvent = Infer<typeof TCGPCREvent>;

/** One TPMT_HA as it sits in a crypto-agile log record (little-endian hashAlg). */
export interface TPMTHA {
  readonly hashAlg: number;
  readonly digest: Uint8Array;
}

/** A digest size per algorithm id: the Spec ID event's table, completed by the hash registry. */
export type DigestSizes = ReadonlyMap<number, number>;

/** TCG_PCR_EVENT2 as a value (field names from PFP 1.05 §10.2.2). */
export interface TCGPCREvent2 {
  readonly pcrIndex: number;
  readonly eventType: number;
  readonly digests: readonly TPMTHA[];
  readonly event: Uint8Array;
}

/**
 * TCG_PCR_EVENT2 (PFP 1.05 §10.2.2): UINT32 PCRIndex; UINT32 EventType; TPML_DIGEST_VALUES
 * Digests (UINT32 count, then count × {UINT16 hashAlg, BYTE digest[size of hashAlg]}, packed,
 * little-endian); UINT32 EventSize; BYTE Event[EventSize].
 *
 * The digest sizes come from the log's Spec ID event (§10.4.5.1), so the codec is made per log.
 * An algorithm the table does not know is `UNKNOWN_SELECTOR`: its size cannot be guessed.
 */
export function tcgPcrEvent2(sizes: DigestSizes): Codec<TCGPCREvent2> {
  const members = new Map<number, Codec<Uint8Array>>();
  for (const [alg, n] of sizes) members.set(alg, fixedBytes('TPMU_HA', n));
  const tpmtHa = union('TPMT_HA', 'hashAlg', u16le, 'digest', (alg: number) => members.get(alg));
  return struct('TCG_PCR_EVENT2', {
    pcrIndex: u32le,
    eventType: u32le,
    digests: list('TPML_DIGEST_VALUES', u32le, tpmtHa, MAX_DIGESTS),
    event: sized('event', u32le, MAX_EVENT_DATA),
  });
}
