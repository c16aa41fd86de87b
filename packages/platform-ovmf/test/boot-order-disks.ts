import { readFileSync } from 'node:fs';
import { buildEfiApplication, buildEspDisk } from '@tcg2sim/test-support';

/** Debian's signed shim (package shim-signed). */
export const SHIM = '/usr/lib/shim/shimx64.efi.signed';

/** The repo's own loader (~100 KiB, parks the CPU). */
function ownLoader(): Uint8Array {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return buildEfiApplication(body);
}

/** The boot-order captures' disks: [0] shim on a FAT12 ESP, [1] the repo's own loader (other disk and ESP GUIDs). */
export function BOOT_ORDER_DISKS(): Uint8Array[] {
  return [
    buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }),
    buildEspDisk({
      fatType: 'FAT12', diskGuid: '11111111-2222-4333-8444-555555555555', espGuid: '66666666-7777-4888-9999-AAAAAAAAAAAA',
      files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: ownLoader() }],
    }),
  ];
}
