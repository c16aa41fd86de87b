/**
 * @tcg2sim/uefi/fv: the firmware-volume parser alone, for code that must start quickly (the CLI
 * starts SEC's decompression before loading anything else). The same modules as the package's
 * main entry, so classes (FvError) and results are interchangeable with it.
 */
export { EFI_SECTION, SECTION_GUID } from './fv/constants.ts';
export { FvError } from './fv/errors.ts';
export type { FvErrorCode } from './fv/errors.ts';
export type { FvLimits, FvParseOptions } from './fv/context.ts';
export { parseFlashImage, findFileByGuid } from './fv/flash.ts';
export type { FlashImage } from './fv/flash.ts';
export { parseFlashImageAsync } from './fv/flash-async.ts';
export { adoptLzmaDecode } from './compress/lzma.ts';
export { walkFv } from './fv/types.ts';
export { efiImageInfo, parseEfiImage, imageInfo } from './pe/parse.ts';
export type { FvNode, FirmwareVolume, FfsFile, FvSection } from './fv/types.ts';
