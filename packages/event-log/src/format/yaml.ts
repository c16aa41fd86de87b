import { toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { latin1, utf16leToString } from '../_codecs.ts';
import { decodeEventData } from '../event-data/decode.ts';
import type { EventLog, LogEvent } from '../log.ts';
import type { PcrReplay } from '../replay.ts';
import { EV } from '../structures.ts';
import {
  algName, boundedHex, cString, eventHex, hex64, lowerGuid, signed32, splitEscape, toolsEventType,
} from './tpm2-tools.ts';

/** Options of {@link toTpm2ToolsYaml}. */
export interface YamlOptions {
  /** tpm2_eventlog --eventlog-version: 1 (its default) or 2 (decoded variables, GPT). */
  readonly version?: 1 | 2;
}

/**
 * The log as `tpm2_eventlog` (tpm2-tools 5.4) prints it: the same keys, layout, number formats
 * and quirks (hex cut at 1024 bytes, BLOB2 descriptions one byte short, strings cut at NUL), so
 * scripts written against its output keep working. The `pcrs:` section holds `replay`'s values
 * (the spec's rules; tpm2-tools 5.4 also extends EV_NO_ACTION digests).
 */
export function toTpm2ToolsYaml(log: EventLog, replay: PcrReplay, opts: YamlOptions = {}): string {
  const parts: string[] = [];
  writeTpm2ToolsYaml(log, replay, (t) => parts.push(t), opts);
  return parts.join('');
}

/**
 * {@link toTpm2ToolsYaml} written to `sink` in pieces of about 64 KiB, so a 100 000-event log
 * never becomes one huge string (the CLI streams it to stdout this way).
 */
export function writeTpm2ToolsYaml(log: EventLog, replay: PcrReplay, sink: (text: string) => void, opts: YamlOptions = {}): void {
  const version = opts.version ?? 1;
  let out: string[] = ['---\n', `version: ${version}\n`, 'events:\n'];
  let pending = 0;
  const uintnSize = log.specId?.uintnSize ?? 2;
  for (const e of log.events) {
    if (log.format === 'crypto-agile' && e.index === 0) {
      specIdEvent(out, log, e);
      continue;
    }
    if (e.format === 'TCG_PCR_EVENT') {
      // tpm2-tools prints SHA1-log records without "- EventNum" (yaml_sha1_log_eventhdr_callback).
      out.push(`  PCRIndex: ${signed32(e.pcrIndex)}\n  EventType: ${toolsEventType(e.eventType)}\n  DigestCount: 1\n  Digests:\n`);
      out.push(`  - AlgorithmId: sha1\n    Digest: "${toHex(e.digests[0]?.digest ?? new Uint8Array(20))}"\n`);
    } else {
      out.push(`- EventNum: ${e.index}\n  PCRIndex: ${signed32(e.pcrIndex)}\n  EventType: ${toolsEventType(e.eventType)}\n  DigestCount: ${signed32(e.digests.length)}\n  Digests:\n`);
      for (const d of e.digests) out.push(`  - AlgorithmId: ${algName(d.hashAlg)}\n    Digest: "${toHex(d.digest)}"\n`);
    }
    eventData(out, e, version, uintnSize);
    pending += 300 + e.eventData.length * 2;
    if (pending > 65536) {
      sink(out.join(''));
      out = [];
      pending = 0;
    }
  }
  out.push('pcrs:\n');
  for (const [alg, pcrs] of replay.banks) {
    if (pcrs.size === 0) continue;
    out.push(`  ${hashAlgInfo(alg).name}:\n`);
    for (const [i, v] of pcrs) out.push(`    ${String(i).padEnd(2)} : 0x${toHex(v)}\n`);
  }
  sink(out.join(''));
}

function specIdEvent(out: string[], log: EventLog, e: LogEvent): void {
  const s = log.specId;
  out.push(`- EventNum: 0\n  PCRIndex: ${signed32(e.pcrIndex)}\n  EventType: ${toolsEventType(e.eventType)}\n`);
  out.push(`  Digest: "${toHex(e.digests[0]?.digest ?? new Uint8Array(20))}"\n  EventSize: ${e.eventData.length}\n`);
  if (!s) return;
  out.push(`  SpecID:\n  - Signature: ${cString(e.eventData.subarray(0, 16))}\n    platformClass: ${s.platformClass}\n`);
  out.push(`    specVersionMinor: ${s.specVersionMinor}\n    specVersionMajor: ${s.specVersionMajor}\n    specErrata: ${s.specErrata}\n`);
  out.push(`    uintnSize: ${s.uintnSize}\n    numberOfAlgorithms: ${s.digestSizes.length}\n    Algorithms:\n`);
  s.digestSizes.forEach((a, i) => {
    out.push(`    - Algorithm[${i}]:\n      algorithmId: ${algName(a.algorithmId)}\n      digestSize: ${a.digestSize}\n`);
  });
  out.push(`    vendorInfoSize: ${s.vendorInfo.length}\n`);
  if (s.vendorInfo.length > 0) out.push(`    vendorInfo: "${toHex(s.vendorInfo)}"\n`);
}

function blob(out: string[], base: bigint, length: bigint): void {
  out.push(`  Event:\n    BlobBase: ${hex64(base)}\n    BlobLength: ${hex64(length)}\n`);
}

function eventData(out: string[], e: LogEvent, version: 1 | 2, uintnSize: number): void {
  const data = e.eventData;
  out.push(`  EventSize: ${data.length}\n`);
  if (data.length === 0) return;
  const fallback = (): void => {
    out.push(`  Event: "${eventHex(data)}"\n`);
  };
  switch (e.eventType) {
    case EV.EFI_VARIABLE_DRIVER_CONFIG:
    case EV.EFI_VARIABLE_BOOT:
    case EV.EFI_VARIABLE_BOOT2:
    case EV.EFI_VARIABLE_AUTHORITY:
      variable(out, e, version);
      return;
    case EV.POST_CODE:
      if (data.length === 16) {
        const v = decodeEventData(EV.EFI_PLATFORM_FIRMWARE_BLOB, data);
        if (v.kind === 'firmware-blob') blob(out, v.value.blobBase, v.value.blobLength);
      } else {
        out.push(`  Event: |-\n    ${cString(data)}\n`);
      }
      return;
    case EV.S_CRTM_CONTENTS:
    case EV.EFI_PLATFORM_FIRMWARE_BLOB: {
      const v = decodeEventData(EV.EFI_PLATFORM_FIRMWARE_BLOB, data.subarray(0, 16));
      if (v.kind === 'firmware-blob') blob(out, v.value.blobBase, v.value.blobLength);
      else fallback();
      return;
    }
    case EV.EFI_PLATFORM_FIRMWARE_BLOB2: {
      const v = decodeEventData(e.eventType, data);
      if (v.kind !== 'firmware-blob2') { fallback(); return; }
      const n = v.value.blobDescription.length;
      out.push(`  Event:\n    BlobDescriptionSize: ${n}\n    BlobDescription: "${boundedHex(v.value.blobDescription, 2 * n)}"\n`);
      out.push(`    BlobBase: ${hex64(v.value.blobBase)}\n    BlobLength: ${hex64(v.value.blobLength)}\n`);
      return;
    }
    case EV.EFI_ACTION:
      out.push(`  Event: |-\n    ${cString(data)}\n`);
      return;
    case EV.IPL:
      out.push('  Event:\n    String: |-\n');
      for (const l of splitEscape(data)) out.push(`      ${l}\n`);
      return;
    case EV.EFI_BOOT_SERVICES_APPLICATION:
    case EV.EFI_BOOT_SERVICES_DRIVER:
    case EV.EFI_RUNTIME_SERVICES_DRIVER: {
      const v = decodeEventData(e.eventType, data, { uintnSize: 2 });
      if (v.kind !== 'image-load') { fallback(); return; }
      const i = v.value;
      out.push(`  Event:\n    ImageLocationInMemory: ${hex64(i.imageLocationInMemory)}\n    ImageLengthInMemory: ${i.imageLengthInMemory}\n`);
      out.push(`    ImageLinkTimeAddress: ${hex64(i.imageLinkTimeAddress)}\n    LengthOfDevicePath: ${i.lengthOfDevicePath}\n`);
      out.push(`    DevicePath: '${toHex(i.devicePath)}'\n`);
      return;
    }
    case EV.EFI_GPT_EVENT:
      if (version === 2) { gpt(out, data, uintnSize, fallback); return; }
      { fallback(); return; }
    case EV.NO_ACTION:
      if (version === 2 && data.length > 16) {
        const v = decodeEventData(e.eventType, data);
        if (v.kind === 'startup-locality' || (latin1(data.subarray(0, 16)) === 'StartupLocality\0')) {
          out.push(`  Event:\n    StartupLocality: ${data[16] ?? 0}\n`);
          return;
        }
      }
      { fallback(); return; }
    default:
      { fallback(); return; }
  }
}

function gpt(out: string[], data: Uint8Array, uintnSize: number, fallback: () => void): void {
  const v = decodeEventData(EV.EFI_GPT_EVENT, data, { uintnSize });
  if (v.kind !== 'gpt') { fallback(); return; }
  const h = v.value.uefiPartitionHeader;
  out.push(`  Event:\n    Header:\n      Signature: "${cString(h.signature)}"\n      Revision: ${hex64(h.revision)}\n`);
  out.push(`      HeaderSize: ${h.headerSize}\n      HeaderCRC32: ${hex64(h.headerCrc32)}\n      MyLBA: ${hex64(h.myLba)}\n`);
  out.push(`      AlternateLBA: ${hex64(h.alternateLba)}\n      FirstUsableLBA: ${hex64(h.firstUsableLba)}\n`);
  out.push(`      LastUsableLBA: ${hex64(h.lastUsableLba)}\n      DiskGUID: ${lowerGuid(h.diskGuid)}\n`);
  out.push(`      PartitionEntryLBA: ${hex64(h.partitionEntryLba)}\n      NumberOfPartitionEntry: ${h.numberOfPartitionEntries}\n`);
  out.push(`      SizeOfPartitionEntry: ${h.sizeOfPartitionEntry}\n      PartitionEntryArrayCRC32: ${hex64(h.partitionEntryArrayCrc32)}\n`);
  out.push(`    NumberOfPartitions: ${v.value.partitions.length}\n    Partitions:\n`);
  for (const p of v.value.partitions) {
    out.push(`    - PartitionTypeGUID: ${lowerGuid(p.partitionTypeGuid)}\n      UniquePartitionGUID: ${lowerGuid(p.uniquePartitionGuid)}\n`);
    out.push(`      StartingLBA: ${hex64(p.startingLba)}\n      EndingLBA: ${hex64(p.endingLba)}\n      Attributes: ${hex64(p.attributes)}\n`);
    out.push(`      PartitionName: "${utf16leToString(p.partitionName).split('\0')[0] ?? ''}"\n`);
  }
}

const SIG_LIST_VARS = new Set(['PK', 'KEK', 'db', 'dbx']);

function variable(out: string[], e: LogEvent, version: 1 | 2): void {
  const v = decodeEventData(e.eventType, e.eventData);
  if (v.kind !== 'variable') {
    out.push(`  Event: "${eventHex(e.eventData)}"\n`);
    return;
  }
  const { variableName, unicodeName, variableData } = v.value;
  out.push(`  Event:\n    VariableName: ${lowerGuid(variableName)}\n    UnicodeNameLength: ${unicodeName.length}\n`);
  out.push(`    VariableDataLength: ${variableData.length}\n    UnicodeName: ${unicodeName.split('\0')[0] ?? ''}\n`);
  if (version === 2 && variableV2(out, e.eventType, unicodeName, variableData)) return;
  if (variableData.length > 0) out.push(`    VariableData: "${toHex(variableData)}"\n`);
}

function yesNo(d: Uint8Array): string {
  return d.length === 0 || d[0] === 0 ? "'No'" : "'Yes'";
}

/** --eventlog-version 2 renderings of well-known variables; false when none applies. */
function variableV2(out: string[], type: number, name: string, d: Uint8Array): boolean {
  if (type === EV.EFI_VARIABLE_DRIVER_CONFIG) {
    if (SIG_LIST_VARS.has(name)) {
      out.push('    VariableData:\n');
      signatureLists(out, d);
      return true;
    }
    if (name === 'SecureBoot' && d.length <= 1) {
      out.push(`    VariableData:\n      Enabled: ${yesNo(d)}\n`);
      return true;
    }
  } else if (type === EV.EFI_VARIABLE_BOOT || type === EV.EFI_VARIABLE_BOOT2) {
    if (name === 'BootOrder' && d.length % 2 === 0) {
      out.push('    VariableData:\n');
      for (let i = 0; i + 1 < d.length; i += 2) out.push(`    - Boot${((d[i] ?? 0) | ((d[i + 1] ?? 0) << 8)).toString(16).padStart(4, '0')}\n`);
      return true;
    }
    if (/^Boot[0-9a-fA-F]{4}$/.test(name) && d.length >= 6) {
      const attrs = (d[0] ?? 0) | ((d[1] ?? 0) << 8);
      const fpl = (d[4] ?? 0) | ((d[5] ?? 0) << 8);
      let i = 6;
      let desc = '';
      while (i + 1 < d.length) {
        const c = (d[i] ?? 0) | ((d[i + 1] ?? 0) << 8);
        i += 2;
        if (c === 0) break;
        desc += String.fromCharCode(c);
      }
      out.push(`    VariableData:\n      Enabled: ${(attrs & 1) !== 0 ? "'Yes'" : "'No'"}\n      FilePathListLength: ${fpl}\n`);
      out.push(`      Description: "${desc}"\n      DevicePath: '${toHex(d.subarray(i))}'\n`);
      return true;
    }
  }
  return false;
}

function signatureLists(out: string[], d: Uint8Array): void {
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  let at = 0;
  while (at + 28 <= d.length) {
    const listSize = dv.getUint32(at + 16, true);
    const headerSize = dv.getUint32(at + 20, true);
    const sigSize = dv.getUint32(at + 24, true);
    if (sigSize < 16) return;
    out.push(`    - SignatureType: ${guidLower(d.subarray(at, at + 16))}\n      SignatureListSize: ${listSize}\n`);
    out.push(`      SignatureHeaderSize: ${headerSize}\n      SignatureSize: ${sigSize}\n      Keys:\n`);
    const body = listSize - 28 - headerSize;
    if (body < 0 || body % sigSize !== 0 || listSize === 0) return;
    let s = at + 28 + headerSize;
    for (let k = 0; k < body / sigSize && s + sigSize <= d.length; k++, s += sigSize) {
      out.push(`      - SignatureOwner: ${guidLower(d.subarray(s, s + 16))}\n        SignatureData: ${toHex(d.subarray(s + 16, s + sigSize))}\n`);
    }
    at += listSize;
  }
}

function guidLower(b: Uint8Array): string {
  const h = toHex(b);
  const sw = (x: string): string => x.match(/../g)?.reverse().join('') ?? '';
  return `${sw(h.slice(0, 8))}-${sw(h.slice(8, 12))}-${sw(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}
