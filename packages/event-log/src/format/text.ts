import { toHex } from '@tcg2sim/binary-codec';
import { decodeEventData } from '../event-data/decode.ts';
import type { LogEvent } from '../log.ts';

const MAX = 60;
const clip = (s: string): string => (s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s);
const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, '.');

/**
 * A one-line description of an event's data for human summaries: the variable name, the action
 * string, the blob range, the image size and device-path length, the separator value, … Falls
 * back to the first bytes in hex. Not a stable format: scripts should use JSON.
 */
export function describeEvent(e: LogEvent, uintnSize = 2): string {
  const v = decodeEventData(e.eventType, e.eventData, { uintnSize });
  switch (v.kind) {
    case 'spec-id':
      return `Spec ID Event03, ${v.value.digestSizes.length} algorithms, uintnSize ${v.value.uintnSize}`;
    case 'spec-id-legacy':
      return v.value.signature;
    case 'startup-locality':
      return `StartupLocality ${v.value.startupLocality}`;
    case 'sp800-155-event2':
    case 'sp800-155-event3':
      return `${v.value.signature} ${v.value.referenceManifestGuid}`;
    case 'variable':
      return clip(`${v.value.unicodeName} (${v.value.variableData.length} B)`);
    case 'firmware-blob':
      return `base 0x${v.value.blobBase.toString(16)} length 0x${v.value.blobLength.toString(16)}`;
    case 'firmware-blob2':
      return clip(`${printable(Buffer.from(v.value.blobDescription).toString('latin1').replace(/\0+$/, ''))} base 0x${v.value.blobBase.toString(16)} length 0x${v.value.blobLength.toString(16)}`);
    case 'image-load':
      return `image ${v.value.imageLengthInMemory} B at 0x${v.value.imageLocationInMemory.toString(16)}, device path ${v.value.devicePath.length} B`;
    case 'gpt':
      return `GPT ${v.value.uefiPartitionHeader.diskGuid}, ${v.value.partitions.length} partitions`;
    case 'handoff-tables':
    case 'handoff-tables2':
      return clip(v.value.tableEntry.map((t) => t.vendorGuid).join(', '));
    case 'separator':
      return `separator 0x${v.value.toString(16).padStart(8, '0')}`;
    case 'text':
      return clip(`"${printable(v.value.replace(/\0+$/, ''))}"`);
    case 'ucs2':
      return clip(`L"${printable(v.value)}"`);
    case 'invalid':
      return `malformed: ${v.error.code} at ${v.error.offset}`;
    case 'raw':
      return clip(toHex(e.eventData.subarray(0, 24)) + (e.eventData.length > 24 ? '…' : ''));
  }
}
