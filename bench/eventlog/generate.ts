/**
 * A large, realistic crypto-agile log for benchmarking: the OVMF event kinds (edk2-dxe-facts.md
 * §12) repeated until `count` events, SHA1+SHA256 banks by default, every event valid for tpm2_eventlog.
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { EV, EventLogBuilder, encodeVariableData } from '@tcg2sim/event-log';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const GLOBAL = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';

function imageLoad(i: number): Uint8Array {
  const w = new ByteWriter();
  const dp = new Uint8Array([0x04, 0x07, 0x14, 0x00, ...new Uint8Array(16).fill(i & 0xff), 0x7f, 0xff, 0x04, 0x00]);
  w.u64le(BigInt(0x7e000000 + i * 16));
  w.u64le(876672n);
  w.u64le(0n);
  w.u64le(BigInt(dp.length));
  w.bytes(dp);
  return w.finish();
}

function blob(base: number, len: number): Uint8Array {
  const w = new ByteWriter();
  w.u64le(BigInt(base));
  w.u64le(BigInt(len));
  return w.finish();
}

/** The binary log with `count` events after the Spec ID header. */
export function generateLog(count: number, algs: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]): Uint8Array {
  const b = new EventLogBuilder({ algs });
  for (let i = 0; i < count; i++) {
    switch (i % 8) {
      case 0:
        b.add({ pcrIndex: 0, eventType: EV.EFI_PLATFORM_FIRMWARE_BLOB, eventData: blob(0x820000 + i, 0xe0000), digestOf: ascii(`fv ${i}`) });
        break;
      case 1:
        b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: encodeVariableData({ variableName: GLOBAL, unicodeName: 'SecureBoot', variableData: new Uint8Array([i & 1]) }) });
        break;
      case 2: {
        const data = new Uint8Array([i & 0xff, 0, 1, 0, 2, 0]);
        b.add({ pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT, eventData: encodeVariableData({ variableName: GLOBAL, unicodeName: 'BootOrder', variableData: data }), digestOf: data });
        break;
      }
      case 3:
        b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Calling EFI Application from Boot Option') });
        break;
      case 4:
        b.add({ pcrIndex: i % 8, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
        break;
      case 5:
        b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_APPLICATION, eventData: imageLoad(i), digestOf: ascii(`pe ${i}`) });
        break;
      case 6:
        b.add({ pcrIndex: 2, eventType: EV.EFI_BOOT_SERVICES_DRIVER, eventData: imageLoad(i), digestOf: ascii(`rom ${i}`) });
        break;
      default:
        b.add({ pcrIndex: 0, eventType: EV.S_CRTM_VERSION, eventData: new Uint8Array(2) });
    }
  }
  return b.encode();
}
