/**
 * Command buffers exactly as EDK II edk2-stable202211 Tpm2CommandLib sends them, from
 * docs/edk2-pei.md §7 (layouts checked against a captured OVMF + swtpm
 * PEI command stream, §7.9). Digest bytes are placeholders where the facts give only the layout.
 */
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';

const d = (n: number, b: number): string => b.toString(16).padStart(2, '0').repeat(n);
const sess = '00000009' + '40000009' + '0000' + '00' + '0000';

export interface CommandVector {
  readonly name: string;
  readonly source: string;
  readonly hex: string;
}

export const SHA1_D = d(20, 0x11);
export const SHA256_D = d(32, 0x22);
export const SHA384_D = d(48, 0x33);
export const SHA512_D = d(64, 0x44);

export const EDK2_VECTORS = {
  startupClear: { name: 'TPM2_Startup(CLEAR)', source: '§7.2', hex: '80010000000c000001440000' },
  startupState: { name: 'TPM2_Startup(STATE)', source: '§7.2', hex: '80010000000c000001440001' },
  selfTest: { name: 'TPM2_SelfTest(NO)', source: '§7.3', hex: '80010000000b0000014300' },
  getCapPcrs: { name: 'TPM2_GetCapability(TPM_CAP_PCRS, 0, 1)', source: '§7.4', hex: '800100000016' + '0000017a' + '00000005' + '00000000' + '00000001' },
  getCapProps: { name: 'TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, 0x105, 1)', source: '§7.4 (DXE)', hex: '800100000016' + '0000017a' + '00000006' + '00000105' + '00000001' },
  extend4: {
    name: 'TPM2_PCR_Extend(PCR0, 4 banks), size 203',
    source: '§7.5',
    hex: '8002' + '000000cb' + '00000182' + '00000000' + sess + '00000004' +
      '0004' + SHA1_D + '000b' + SHA256_D + '000c' + SHA384_D + '000d' + SHA512_D,
  },
  extendSha256: {
    name: 'TPM2_PCR_Extend(PCR0, SHA-256 only), size 65',
    source: '§7.5',
    hex: '8002' + '00000041' + '00000182' + '00000000' + sess + '00000001' + '000b' + SHA256_D,
  },
  pcrRead4: {
    name: 'TPM2_PCR_Read(PCR0 in 4 banks)',
    source: '§7.6 (exact bytes)',
    hex: '80 01 00 00 00 26 00 00 01 7E 00 00 00 04 00 04 03 01 00 00 00 0B 03 01 00 00 00 0C 03 01 00 00 00 0D 03 01 00 00',
  },
  allocate: {
    name: 'TPM2_PCR_Allocate(SHA1+SHA256 on, SHA384+SHA512 off)',
    source: '§7.7',
    hex: '8002' + '00000037' + '0000012b' + '4000000c' + sess + '00000004' +
      '000403ffffff' + '000b03ffffff' + '000c03000000' + '000d03000000',
  },
  shutdownClear: { name: 'TPM2_Shutdown(CLEAR)', source: '§7.8', hex: '80010000000c000001450000' },
  getRandom32: { name: 'TPM2_GetRandom(32)', source: '§7.8', hex: '80010000000c0000017b0020' },
} as const satisfies Record<string, CommandVector>;

/** PCR_Extend reply captured in §7.5 (E). */
export const EXTEND_RESPONSE = '800200000013000000000000000000000100 00'.replace(/ /g, '');

/** GetCapability(PCRS) payload of a fresh swtpm (§5.3 E), wrapped in a response header. */
export const GETCAP_PCRS_RESPONSE =
  '8001' + '0000002b' + '00000000' + '00' + '00000005' + '00000004' +
  '000403ffffff' + '000b03ffffff' + '000c03ffffff' + '000d03ffffff';

export const BANKS = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512] as const;
