import { fromHex } from '@tcg2sim/binary-codec';

// Hand-assembled from PFP §10.2.1 (TCG_PCR_EVENT), §10.4.5.1 (TCG_EfiSpecIDEventStruct) and
// §10.2.2 (TCG_PCR_EVENT2), all little-endian: a log with SHA-1 and SHA-256, as Tcg2Dxe writes it.
export const SPEC_ID_EVENT =
  '00000000' + '03000000' + '00'.repeat(20) + '25000000' + // PCR 0, EV_NO_ACTION, zero digest, 37 bytes
  Buffer.from('Spec ID Event03\0').toString('hex') +
  '00000000' + '00' + '02' + '00' + '02' + // platformClass 0, version 2.0 errata 0, uintnSize 2
  '02000000' + '0400' + '1400' + '0b00' + '2000' + // 2 algorithms: SHA-1/20, SHA-256/32
  '00'; // vendorInfoSize 0
// EV_S_CRTM_VERSION on PCR 0 with the two digests and 2 bytes of data.
export const EVENT_1 = '00000000' + '08000000' + '02000000' + '0400' + '11'.repeat(20) + '0b00' + '22'.repeat(32) + '02000000' + '0000';
// EV_SEPARATOR on PCR 7.
export const EVENT_2 = '07000000' + '04000000' + '02000000' + '0400' + '33'.repeat(20) + '0b00' + '44'.repeat(32) + '04000000' + '00000000';
export const LOG = fromHex(SPEC_ID_EVENT + EVENT_1 + EVENT_2);

/** `log` at the start of a `size`-byte area filled with 0xFF, as Tcg2Dxe prepares its log area. */
export function area(log: Uint8Array, size = 0x10000): Uint8Array {
  const a = new Uint8Array(size).fill(0xff);
  a.set(log);
  return a;
}

