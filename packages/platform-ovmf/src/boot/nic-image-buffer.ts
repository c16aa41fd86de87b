/**
 * ImageLocationInMemory of option ROM driver images (the pool buffer GetFileBufferByFilePath
 * fills from PciBus's LoadFile2): DXE allocator state at PCI enumeration, calibrated on real
 * boots like the Shell's buffer (image-buffer.ts).
 */
import { ramLayout } from '../machine.ts';
import type { ImageBufferContext } from './image-buffer.ts';

/**
 * Distance from the top of DXE's low RAM (less TSEG) to the free point the first ROM image's
 * buffer is carved from (a page-granular pool allocation: it starts EFI_SIZE_TO_PAGES(size +
 * 0x20) pages below, its data 0x18 bytes in), per build and machine. Measured on real boots of
 * Debian's OVMF 2022.11-6+deb12u2 OVMF_CODE_4M.fd, q35, 512 MiB, SHA1 active, one NIC.
 */
export const OPTION_ROM_BUFFER_CALIBRATION: ReadonlyMap<string, bigint> = new Map([
  ['82a0445201cb49945461acc6ed78426700fb7e92819862edc55ba3ad4559b135:q35', 0x1b30000n], // OVMF_CODE_4M.fd
]);

const POOL_OVERHEAD = 0x20n;
const POOL_HEAD = 0x18n;

/** ImageLocationInMemory of the `index`-th option ROM driver image; notes say whether it is calibrated. */
export function optionRomBufferAddress(ctx: ImageBufferContext, index: number, notes: string[]): bigint {
  const key = `${ctx.dxeFvSha256}:${ctx.machine.machine}`;
  const k = OPTION_ROM_BUFFER_CALIBRATION.get(key);
  const top = BigInt(ramLayout(ctx.machine).belowFourG - ctx.tsegBytes);
  const pages = (BigInt(ctx.fileSize) + POOL_OVERHEAD + 0xfffn) / 0x1000n;
  if (k === undefined || index > 0) {
    notes.push(`option ROM image buffer address: not calibrated for ${k === undefined ? 'this build and machine' : 'a second ROM image'} (ImageLocationInMemory is a guess; use --image-buffer-address for the Shell only)`);
  }
  return top - (k ?? 0x1b30000n) - pages * 0x1000n + POOL_HEAD;
}
