/**
 * The embedded default firmware: a small image of our own in OVMF's shape, built in memory by
 * our FV writer, so `tcg2sim predict` runs on a fresh clone without Debian's `ovmf` package.
 *
 * Layout (OvmfPkgX64.fdf in miniature): the code image is FVMAIN_COMPACT followed by SECFV.
 * FVMAIN_COMPACT holds one FIRMWARE_VOLUME_IMAGE file whose LZMA section decompresses to
 * [RAW pad, FV_IMAGE(PEIFV), RAW pad, FV_IMAGE(DXEFV)], as SEC's DecompressMemFvs expects.
 * PEIFV holds three small IA32 PEIMs; DXEFV holds UiApp, the UEFI Shell (a minimal X64 EFI
 * application of ours under the Shell's FILE_GUID) and a file named like SecureBootConfigDxe, so
 * the build counts as SECURE_BOOT_ENABLE and BDS measures the Shell into PCR4. Every image is a
 * PE written by our PE writer; none comes from EDK II. The variable store is an empty
 * OVMF_VARS_4M-shaped store. Deterministic: the same bytes on every call.
 */
import {
  assembleFlashImage, buildFirmwareVolume, EFI_FV_FILETYPE, EFI_SECTION, formatVarStore, fvImageSection, IMAGE_SUBSYSTEM, leafSection,
  lzmaSection, minimalEfiImage, pe32Section, userInterfaceSection,
} from '@tcg2sim/uefi';
import type { FfsFileSpec } from '@tcg2sim/uefi';
import { UEFI_SHELL_FILE_GUID, UI_APP_FILE_GUID } from './boot/bds.ts';
import { OVMF_FV_NAME } from './sec.ts';

/** The embedded firmware: code image, variable store, and how the CLI names it. */
export interface DefaultFirmware {
  /** OVMF_CODE-shaped image (FVMAIN_COMPACT + SECFV). */
  readonly code: Uint8Array;
  /** OVMF_VARS_4M-shaped empty variable store. */
  readonly vars: Uint8Array;
  readonly description: string;
}

/** File names (GUIDs) of the default firmware's files. */
export const DEFAULT_FIRMWARE_FILE = {
  /** OvmfPkg's FvMainCompact FV_IMAGE file in FVMAIN_COMPACT. */
  FV_MAIN_COMPACT: '9E21FD93-9C72-4C15-8C4B-E77F1DB2D792',
  /** SecureBootConfigDxe's FILE_GUID: its presence marks a SECURE_BOOT_ENABLE build. */
  SECURE_BOOT_CONFIG_DXE: 'F0E6A44F-7195-41C3-AC64-54F202CD0A21',
  /** EFI_FFS_VOLUME_TOP_FILE_GUID (PI Vol 3, 2.1.2): the reset vector file at the top of SECFV. */
  VOLUME_TOP_FILE: '1BA0062E-C779-4582-8566-336AE8F78F09',
  /** Our own modules (random GUIDs of tcg2sim, not EDK II's). */
  SEC_CORE: '5C1E6F0A-7A1B-4C4E-9D3A-2F1B8E7C6D01',
  PEIM_1: '5C1E6F0A-7A1B-4C4E-9D3A-2F1B8E7C6D11',
  PEIM_2: '5C1E6F0A-7A1B-4C4E-9D3A-2F1B8E7C6D12',
  PEIM_3: '5C1E6F0A-7A1B-4C4E-9D3A-2F1B8E7C6D13',
} as const;

/** Sizes of the volumes (PEIFV 64 KiB, DXEFV 256 KiB, SECFV 16 KiB). */
export const DEFAULT_FIRMWARE_SIZES = { PEIFV: 0x10000, DXEFV: 0x40000, SECFV: 0x4000 } as const;

/** PEIFV's attributes in OVMF (0x0007FEFF: 128-byte alignment), the other volumes' (0x0004FEFF). */
const PEIFV_ATTRIBUTES = 0x0007feff;
const FV_ATTRIBUTES = 0x0004feff;
const FV_IMAGE_SECTION_HEADER = 4;

/** A tag so each image has its own digest: UTF-16 text as the image's `.data`. */
function tag(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2 + 2);
  for (let i = 0; i < text.length; i++) out[2 * i] = text.charCodeAt(i) & 0x7f;
  return out;
}

function module(name: string, guid: string, type: number, image: Uint8Array): FfsFileSpec {
  return { name: guid, type, content: { sections: [pe32Section(image), userInterfaceSection(name)] } };
}

/**
 * RAW section that makes the volume after it (inside an FV_IMAGE section starting at `pos` of the
 * section stream) start on `alignment`, as GenFfs pads FV images to the volume's alignment.
 */
function rawPad(pos: number, alignment: number): Uint8Array {
  let size = (alignment - ((pos + FV_IMAGE_SECTION_HEADER) % alignment)) % alignment;
  while (size < 4) size += alignment;
  return leafSection(EFI_SECTION.RAW, new Uint8Array(size - 4));
}

function peiFv(omit: readonly number[]): Uint8Array {
  const peim = (n: number, guid: string): FfsFileSpec =>
    module(`Tcg2SimPeim${n}`, guid, EFI_FV_FILETYPE.PEIM, minimalEfiImage({ format: 'pe32', subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: tag(`tcg2sim PEIM ${n}`) }));
  return buildFirmwareVolume({
    fvName: OVMF_FV_NAME.PEIFV,
    attributes: PEIFV_ATTRIBUTES,
    blockSize: 0x10000,
    length: DEFAULT_FIRMWARE_SIZES.PEIFV,
    files: ([[1, DEFAULT_FIRMWARE_FILE.PEIM_1], [2, DEFAULT_FIRMWARE_FILE.PEIM_2], [3, DEFAULT_FIRMWARE_FILE.PEIM_3]] as const)
      .filter(([n]) => !omit.includes(n)).map(([n, guid]) => peim(n, guid)),
  });
}

function dxeFv(extra: readonly ExtraDxeModule[]): Uint8Array {
  const app = (text: string): Uint8Array => minimalEfiImage({ subsystem: IMAGE_SUBSYSTEM.EFI_APPLICATION, data: tag(text) });
  return buildFirmwareVolume({
    fvName: OVMF_FV_NAME.DXEFV,
    attributes: FV_ATTRIBUTES,
    blockSize: 0x10000,
    length: DEFAULT_FIRMWARE_SIZES.DXEFV,
    files: [
      module('SecureBootConfigDxe', DEFAULT_FIRMWARE_FILE.SECURE_BOOT_CONFIG_DXE, EFI_FV_FILETYPE.DRIVER,
        minimalEfiImage({ subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: tag('tcg2sim SecureBootConfigDxe stand-in') })),
      module('UiApp', UI_APP_FILE_GUID, EFI_FV_FILETYPE.APPLICATION, app('tcg2sim UiApp stand-in')),
      module('Shell', UEFI_SHELL_FILE_GUID, EFI_FV_FILETYPE.APPLICATION, app('tcg2sim default EFI application')),
      ...extra.map((m) => module(m.name, m.guid, EFI_FV_FILETYPE.DRIVER, minimalEfiImage({ subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: new TextEncoder().encode(m.text) }))),
    ],
  });
}

function fvMainCompact(extra: readonly ExtraDxeModule[], omitPeims: readonly number[]): Uint8Array {
  const pei = peiFv(omitPeims);
  const dxe = dxeFv(extra);
  const pad1 = rawPad(0, 128);
  const peiSection = fvImageSection(pei);
  const afterPei = pad1.length + peiSection.length; // 4-byte aligned: volumes are whole blocks
  const pad2 = rawPad(afterPei, 16);
  return buildFirmwareVolume({
    fvName: OVMF_FV_NAME.FVMAIN_COMPACT,
    attributes: FV_ATTRIBUTES,
    blockSize: 0x1000,
    files: [{
      name: DEFAULT_FIRMWARE_FILE.FV_MAIN_COMPACT,
      type: EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE,
      content: { sections: [lzmaSection([pad1, peiSection, pad2, fvImageSection(dxe)])] },
    }],
  });
}

function secFv(): Uint8Array {
  // The top 16 bytes are the reset vector: hlt; jmp $-1 (this firmware never runs).
  const top = new Uint8Array(0x40).fill(0x90);
  top.set([0xf4, 0xeb, 0xfd], 0x40 - 16);
  return buildFirmwareVolume({
    fvName: OVMF_FV_NAME.SECFV,
    attributes: FV_ATTRIBUTES,
    blockSize: 0x1000,
    length: DEFAULT_FIRMWARE_SIZES.SECFV,
    files: [
      module('Tcg2SimSec', DEFAULT_FIRMWARE_FILE.SEC_CORE, EFI_FV_FILETYPE.SECURITY_CORE,
        minimalEfiImage({ format: 'pe32', subsystem: IMAGE_SUBSYSTEM.EFI_BOOT_SERVICE_DRIVER, data: tag('tcg2sim SEC') })),
      { name: DEFAULT_FIRMWARE_FILE.VOLUME_TOP_FILE, type: EFI_FV_FILETYPE.RAW, content: { data: top }, atEnd: true },
    ],
  });
}

/** A stand-in DXE driver added to the default firmware's DXEFV (its image carries `text` in ASCII). */
export interface ExtraDxeModule {
  readonly name: string;
  readonly guid: string;
  readonly text: string;
}

/** What tests vary in the default firmware (left out: the default firmware itself). */
export interface DefaultFirmwareOptions {
  /** Stand-in drivers added to DXEFV, for tests of what a build's module set decides (tcg2sim profile). */
  readonly extraDxeModules?: readonly ExtraDxeModule[];
  /**
   * Its PEIMs (1-3) to leave out, for tests of a build without the modules they stand for
   * (boot/modules/stand-ins.ts: 1 stands for Tcg2ConfigPei, Tcg2Pei and Tcg2Dxe).
   */
  readonly omitPeims?: readonly number[];
}

/** Builds the default firmware (code image and empty variable store). Deterministic. */
export function buildDefaultFirmware(o: DefaultFirmwareOptions = {}): DefaultFirmware {
  const code = assembleFlashImage([{ bytes: fvMainCompact(o.extraDxeModules ?? [], o.omitPeims ?? []) }, { bytes: secFv() }]);
  return {
    code,
    vars: formatVarStore(),
    description: 'the embedded default firmware (tcg2sim mini-OVMF: FVMAIN_COMPACT with PEIFV + DXEFV, SECFV; empty OVMF_VARS_4M-shaped store)',
  };
}
