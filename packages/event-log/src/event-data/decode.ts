import { DecodeError, decode } from '@tcg2sim/binary-codec';
import type { Codec } from '@tcg2sim/binary-codec';
import { latin1, utf16leToString } from '../_codecs.ts';
import { EV } from '../structures.ts';
import {
  SPEC_ID_EVENT00, SPEC_ID_EVENT02, SPEC_ID_EVENT03, TCGEfiSpecIDEvent, TCGSpecIdEventLegacy, hasSignature,
} from '../spec-id.ts';
import {
  SP800_155_EVENT2_SIGNATURE, SP800_155_EVENT3_SIGNATURE, STARTUP_LOCALITY_SIGNATURE, TCGEfiStartupLocalityEvent,
  TCGSp800155PlatformIdEvent2, TCGSp800155PlatformIdEvent3,
} from './no-action.ts';
import { UEFIVariableData } from './variable.ts';
import { UEFIPlatformFirmwareBlob, UEFIPlatformFirmwareBlob2 } from './firmware-blob.ts';
import { uefiImageLoadEvent } from './image-load.ts';
import type { UEFIImageLoadEvent } from './image-load.ts';
import { uefiGptData } from './gpt.ts';
import type { UEFIGptData } from './gpt.ts';
import { uefiHandoffTablePointers, uefiHandoffTablePointers2 } from './handoff-tables.ts';
import type { UEFIHandoffTablePointers, UEFIHandoffTablePointers2 } from './handoff-tables.ts';

/** What an event's data turned out to be. `invalid` keeps the reason; `raw` means opaque. */
export type EventDataView =
  | { readonly kind: 'spec-id'; readonly value: TCGEfiSpecIDEvent }
  | { readonly kind: 'spec-id-legacy'; readonly value: TCGSpecIdEventLegacy }
  | { readonly kind: 'startup-locality'; readonly value: TCGEfiStartupLocalityEvent }
  | { readonly kind: 'sp800-155-event2'; readonly value: TCGSp800155PlatformIdEvent2 }
  | { readonly kind: 'sp800-155-event3'; readonly value: TCGSp800155PlatformIdEvent3 }
  | { readonly kind: 'variable'; readonly value: UEFIVariableData }
  | { readonly kind: 'firmware-blob'; readonly value: UEFIPlatformFirmwareBlob }
  | { readonly kind: 'firmware-blob2'; readonly value: UEFIPlatformFirmwareBlob2 }
  | { readonly kind: 'image-load'; readonly value: UEFIImageLoadEvent }
  | { readonly kind: 'gpt'; readonly value: UEFIGptData }
  | { readonly kind: 'handoff-tables'; readonly value: UEFIHandoffTablePointers }
  | { readonly kind: 'handoff-tables2'; readonly value: UEFIHandoffTablePointers2 }
  | { readonly kind: 'separator'; readonly value: number }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'ucs2'; readonly value: string }
  | { readonly kind: 'raw' }
  | { readonly kind: 'invalid'; readonly error: DecodeError };

/** Context an event's data is read in. */
export interface EventDataContext {
  /** Spec ID uintnSize: 2 = 64-bit UINTN (default), 1 = 32-bit. */
  readonly uintnSize?: number;
}

function attempt<T>(codec: Codec<T>, data: Uint8Array, view: (value: T) => EventDataView): EventDataView {
  try {
    return view(decode(codec, data));
  } catch (err) {
    if (err instanceof DecodeError) return { kind: 'invalid', error: err };
    throw err;
  }
}

/** The structure of an EV_NO_ACTION event's data, chosen by its 16-byte signature. */
function noAction(data: Uint8Array): EventDataView {
  if (hasSignature(data, SPEC_ID_EVENT03)) return attempt(TCGEfiSpecIDEvent, data, (value) => ({ kind: 'spec-id', value }));
  if (hasSignature(data, SPEC_ID_EVENT00) || hasSignature(data, SPEC_ID_EVENT02)) {
    return attempt(TCGSpecIdEventLegacy, data, (value) => ({ kind: 'spec-id-legacy', value }));
  }
  if (hasSignature(data, STARTUP_LOCALITY_SIGNATURE)) return attempt(TCGEfiStartupLocalityEvent, data, (value) => ({ kind: 'startup-locality', value }));
  if (hasSignature(data, SP800_155_EVENT2_SIGNATURE)) return attempt(TCGSp800155PlatformIdEvent2, data, (value) => ({ kind: 'sp800-155-event2', value }));
  if (hasSignature(data, SP800_155_EVENT3_SIGNATURE)) return attempt(TCGSp800155PlatformIdEvent3, data, (value) => ({ kind: 'sp800-155-event3', value }));
  return { kind: 'raw' };
}

/**
 * Reads an event's data as the structure its type calls for (PFP 1.05 §10.4.1 Table 9 and the
 * event-data tables of §10.2). Never throws for bad data: a malformed structure comes back as
 * `invalid` with the DecodeError (offsets relative to the event data).
 */
export function decodeEventData(eventType: number, data: Uint8Array, ctx: EventDataContext = {}): EventDataView {
  const uintnSize = ctx.uintnSize ?? 2;
  switch (eventType) {
    case EV.NO_ACTION:
      return noAction(data);
    case EV.EFI_VARIABLE_DRIVER_CONFIG:
    case EV.EFI_VARIABLE_BOOT:
    case EV.EFI_VARIABLE_BOOT2:
    case EV.EFI_VARIABLE_AUTHORITY:
      return attempt(UEFIVariableData, data, (value) => ({ kind: 'variable', value }));
    case EV.EFI_PLATFORM_FIRMWARE_BLOB:
      return attempt(UEFIPlatformFirmwareBlob, data, (value) => ({ kind: 'firmware-blob', value }));
    case EV.S_CRTM_CONTENTS:
      return data.length === 16
        ? attempt(UEFIPlatformFirmwareBlob, data, (value) => ({ kind: 'firmware-blob', value }))
        : attempt(UEFIPlatformFirmwareBlob2, data, (value) => ({ kind: 'firmware-blob2', value }));
    case EV.EFI_PLATFORM_FIRMWARE_BLOB2:
      return attempt(UEFIPlatformFirmwareBlob2, data, (value) => ({ kind: 'firmware-blob2', value }));
    case EV.POST_CODE:
      // PFP §10.4.1: either a UEFI_PLATFORM_FIRMWARE_BLOB or an ASCII tag such as "ACPI DATA".
      return data.length === 16 ? attempt(UEFIPlatformFirmwareBlob, data, (value) => ({ kind: 'firmware-blob', value })) : { kind: 'text', value: latin1(data) };
    case EV.EFI_BOOT_SERVICES_APPLICATION:
    case EV.EFI_BOOT_SERVICES_DRIVER:
    case EV.EFI_RUNTIME_SERVICES_DRIVER:
      return attempt(uefiImageLoadEvent(uintnSize), data, (value) => ({ kind: 'image-load', value }));
    case EV.EFI_GPT_EVENT:
      return attempt(uefiGptData(uintnSize), data, (value) => ({ kind: 'gpt', value }));
    case EV.EFI_HANDOFF_TABLES:
    case EV.TABLE_OF_DEVICES:
      return attempt(uefiHandoffTablePointers(uintnSize), data, (value) => ({ kind: 'handoff-tables', value }));
    case EV.EFI_HANDOFF_TABLES2:
      return attempt(uefiHandoffTablePointers2(uintnSize), data, (value) => ({ kind: 'handoff-tables2', value }));
    case EV.SEPARATOR:
      if (data.length !== 4) {
        return { kind: 'invalid', error: new DecodeError('BAD_VALUE', `separator data is ${data.length} bytes, not 4`, 0, ['EV_SEPARATOR']) };
      }
      return { kind: 'separator', value: ((data[0] ?? 0) | ((data[1] ?? 0) << 8) | ((data[2] ?? 0) << 16) | ((data[3] ?? 0) << 24)) >>> 0 };
    case EV.EFI_ACTION:
    case EV.ACTION:
    case EV.OMIT_BOOT_DEVICE_EVENTS:
    case EV.EFI_HCRTM_EVENT:
    case EV.IPL:
      return { kind: 'text', value: latin1(data) };
    case EV.S_CRTM_VERSION:
      // Usually a UCS-2 version string with its NUL (OVMF: L"" = 00 00); PFP also allows a GUID.
      return data.length % 2 === 0 ? { kind: 'ucs2', value: utf16leToString(data).replace(/\0+$/, '') } : { kind: 'raw' };
    default:
      return { kind: 'raw' };
  }
}
