/**
 * A large, realistic crypto-agile log for benchmarking: the OVMF event kinds (docs/edk2-dxe.md
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

function certVariable(name: string, i: number, certBytes: number): Uint8Array {
  // EFI_SIGNATURE_LIST {SignatureType = EFI_CERT_X509_GUID, ListSize, HeaderSize 0, SignatureSize}
  // + one EFI_SIGNATURE_DATA {Owner GUID, DER bytes}: the shape of db/KEK with one certificate.
  const w = new ByteWriter();
  w.bytes(new Uint8Array([0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72]));
  w.u32le(28 + 16 + certBytes);
  w.u32le(0);
  w.u32le(16 + certBytes);
  w.bytes(new Uint8Array(16).fill(0x77));
  const der = new Uint8Array(certBytes);
  for (let k = 0; k < der.length; k++) der[k] = (k * 7 + i) & 0xff;
  w.bytes(der);
  return encodeVariableData({ variableName: name === 'KEK' ? GLOBAL : 'D719B2CB-3D3A-4596-A3BC-DAD00E67656F', unicodeName: name, variableData: w.finish() });
}

/**
 * A log with the event mix and data sizes of a Secure Boot machine booting Linux through shim and
 * GRUB (per 16 events: a db/KEK certificate variable of 1.5 KB, a 1.4 KB authority, two boot
 * variables, two drivers and an application with device paths, a separator, an action, six
 * GRUB EV_IPL command lines, a firmware blob), repeated until `count` events. The average
 * event carries ~250 bytes of data, like real firmware logs (edk2 + shim + GRUB).
 */
export function generateSecureBootLog(count: number, algs: readonly TpmAlgHash[] = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256]): Uint8Array {
  const b = new EventLogBuilder({ algs });
  const cmds = ['set root=hd0,gpt2', "linux /vmlinuz-6.1.0-13-amd64 root=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 ro quiet", 'initrd /initrd.img-6.1.0-13-amd64', 'insmod part_gpt', 'search --no-floppy --fs-uuid --set=root 0f1e2d3c', 'echo Loading Linux ...'];
  for (let i = 0; i < count; i++) {
    switch (i % 16) {
      case 0:
        b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_DRIVER_CONFIG, eventData: certVariable(i % 32 === 0 ? 'KEK' : 'db', i, 1450) });
        break;
      case 1:
        b.add({ pcrIndex: 7, eventType: EV.EFI_VARIABLE_AUTHORITY, eventData: certVariable('db', i, 1380) });
        break;
      case 2:
      case 3: {
        const data = concatLoadOption(i);
        b.add({ pcrIndex: 1, eventType: EV.EFI_VARIABLE_BOOT, eventData: encodeVariableData({ variableName: GLOBAL, unicodeName: `Boot${(i & 0xf).toString(16).padStart(4, '0').toUpperCase()}`, variableData: data }), digestOf: data });
        break;
      }
      case 4:
      case 5:
        b.add({ pcrIndex: 2, eventType: EV.EFI_BOOT_SERVICES_DRIVER, eventData: imageLoad(i), digestOf: ascii(`rom ${i}`) });
        break;
      case 6:
        b.add({ pcrIndex: 4, eventType: EV.EFI_BOOT_SERVICES_APPLICATION, eventData: imageLoad(i), digestOf: ascii(`pe ${i}`) });
        break;
      case 7:
        b.add({ pcrIndex: i % 8, eventType: EV.SEPARATOR, eventData: new Uint8Array(4) });
        break;
      case 8:
        b.add({ pcrIndex: 4, eventType: EV.EFI_ACTION, eventData: ascii('Calling EFI Application from Boot Option') });
        break;
      case 15:
        b.add({ pcrIndex: 0, eventType: EV.EFI_PLATFORM_FIRMWARE_BLOB, eventData: blob(0x820000 + i, 0xe0000), digestOf: ascii(`fv ${i}`) });
        break;
      default: {
        // GRUB logs "grub_cmd: <command>\0" and extends the hash of the command alone.
        const text = cmds[i % cmds.length] ?? '';
        b.add({ pcrIndex: 8, eventType: EV.IPL, eventData: ascii(`grub_cmd: ${text}\0`), digestOf: ascii(text) });
      }
    }
  }
  return b.encode();
}

function concatLoadOption(i: number): Uint8Array {
  const w = new ByteWriter();
  const desc = Buffer.from(`debian ${i & 0xff}\0`, 'utf16le');
  const path = new Uint8Array([0x04, 0x01, 0x2a, 0x00, ...new Uint8Array(38).fill(i & 0xff), 0x04, 0x04, 0x30, 0x00, ...Buffer.from('\\EFI\\debian\\shimx64.efi\0', 'utf16le').subarray(0, 44), 0x7f, 0xff, 0x04, 0x00]);
  w.u32le(1);
  w.u16le(path.length);
  w.bytes(new Uint8Array(desc));
  w.bytes(path);
  return w.finish();
}
