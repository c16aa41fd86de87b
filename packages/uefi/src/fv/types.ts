/**
 * The tree a firmware-volume parse returns: volumes hold FFS files, files hold sections, and
 * encapsulation sections hold sections or (FIRMWARE_VOLUME_IMAGE) a nested volume.
 *
 * Every node keeps its exact bytes (`raw`, a view into `buffer`) because measured boot hashes
 * original bytes; copy before mutating.
 */
import type {
  EFIFfsFileHeader,
  EFIFirmwareVolumeExtHeader,
  EFIFirmwareVolumeHeader,
  EFIFvBlockMapEntry,
} from './structures.ts';
import type { FfsFileState } from './constants.ts';
import type { DepexOp } from './depex.ts';

/** Where a node lies. */
export interface FvNodeLocation {
  /** The buffer the node lies in: the image, or a buffer produced by decompression. */
  readonly buffer: Uint8Array;
  /** Offset of the node's first byte in `buffer`. */
  readonly offset: number;
  /** Absolute offset in the image; undefined inside decompressed data. */
  readonly imageOffset: number | undefined;
  /** The node's exact bytes, header included (a view into `buffer`). */
  readonly raw: Uint8Array;
  /** Nesting depth: top-level volumes are 0. */
  readonly depth: number;
}

/** The file system a volume declares. */
export type FvFileSystem = 'FFS2' | 'FFS3' | 'unknown';

/** A firmware volume (EFI_FIRMWARE_VOLUME_HEADER and what follows). */
export interface FirmwareVolume extends FvNodeLocation {
  readonly kind: 'volume';
  readonly header: EFIFirmwareVolumeHeader;
  readonly blockMap: readonly EFIFvBlockMapEntry[];
  readonly extHeader: EFIFirmwareVolumeExtHeader | undefined;
  /** The FvName from the extended header, else the file-system GUID (as UEFITool names it). */
  readonly guid: string;
  readonly fileSystem: FvFileSystem;
  /** EFI_FVB2_ERASE_POLARITY: the value of an erased bit. */
  readonly erasePolarity: 0 | 1;
  readonly headerChecksumValid: boolean;
  /** Offset of the first file, from the start of the volume. */
  readonly filesOffset: number;
  /** FFS files in order (empty for an unknown file system). */
  readonly files: readonly FfsFile[];
  /** Trailing erased space, offsets from the start of the volume; undefined when there is none. */
  readonly freeSpace: { readonly offset: number; readonly size: number } | undefined;
}

/** An FFS file (EFI_FFS_FILE_HEADER or EFI_FFS_FILE_HEADER2 and its data). */
export interface FfsFile extends FvNodeLocation {
  readonly kind: 'file';
  readonly header: EFIFfsFileHeader;
  /** The file name GUID. */
  readonly guid: string;
  /** EFI_FV_FILETYPE value. */
  readonly type: number;
  /** PI name of the type (`EFI_FV_FILETYPE_PEIM`; `pad` for pad files). */
  readonly typeName: string;
  /** Whole file, header included (ExtendedSize for large files). */
  readonly size: number;
  /** 24, or 32 for EFI_FFS_FILE_HEADER2. */
  readonly headerSize: number;
  readonly state: FfsFileState;
  readonly headerChecksumValid: boolean;
  /** IntegrityCheck.File: the data checksum with FFS_ATTRIB_CHECKSUM, else 0xAA. */
  readonly dataChecksumValid: boolean;
  /** The file data after the header (a view). */
  readonly data: Uint8Array;
  /** Sections, for the file types made of sections; undefined for raw and pad files. */
  readonly sections: readonly FvSection[] | undefined;
}

/** What the parser did with an encapsulation section's content. */
export type FvSectionProcessing =
  /** A leaf section: no content to process. */
  | 'leaf'
  /** The content was parsed as it is (not compressed, CRC32, unknown GUID not requiring processing). */
  | 'verbatim'
  /** The content was decompressed, then parsed. */
  | 'decompressed'
  /** No extractor for this compression or GUID: the content is left as bytes. */
  | 'unsupported';

/** A section (EFI_COMMON_SECTION_HEADER or EFI_COMMON_SECTION_HEADER2 and its body). */
export interface FvSection extends FvNodeLocation {
  readonly kind: 'section';
  /** EFI_SECTION_TYPE value. */
  readonly type: number;
  /** PI name of the type (`EFI_SECTION_PE32`, …). */
  readonly typeName: string;
  /** Whole section, header included. */
  readonly size: number;
  /** Common header plus the type-specific header (for GUID_DEFINED: DataOffset). */
  readonly headerSize: number;
  /** The bytes after `headerSize` (a view): the image of a PE32/TE, the string of a UI section… */
  readonly body: Uint8Array;
  /** SectionDefinitionGuid (GUID_DEFINED) or SubTypeGuid (FREEFORM_SUBTYPE_GUID). */
  readonly guid: string | undefined;
  /** GUID_DEFINED Attributes. */
  readonly guidedAttributes: number | undefined;
  /** COMPRESSION: UncompressedLength and CompressionType. */
  readonly compression: { readonly uncompressedLength: number; readonly type: number } | undefined;
  /** USER_INTERFACE: the file name string. */
  readonly userInterface: string | undefined;
  /** VERSION: BuildNumber and the version string. */
  readonly version: { readonly buildNumber: number; readonly text: string } | undefined;
  /** PEI/DXE/MM_DEPEX: the decoded dependency expression (undefined when malformed). */
  readonly depex: readonly DepexOp[] | undefined;
  readonly processing: FvSectionProcessing;
  /** The content the children were parsed from when it was decompressed (else undefined). */
  readonly decompressed: Uint8Array | undefined;
  /** CRC32 GUID-defined sections: whether the CRC matched. */
  readonly crc32Valid: boolean | undefined;
  /** Sections inside an encapsulation section. */
  readonly children: readonly FvSection[] | undefined;
  /** The volume inside a FIRMWARE_VOLUME_IMAGE section. */
  readonly volume: FirmwareVolume | undefined;
}

/** Any node of the tree. */
export type FvNode = FirmwareVolume | FfsFile | FvSection;

/** The children of a node in tree order (files, sections, or a nested volume). */
export function fvChildren(node: FvNode): readonly FvNode[] {
  switch (node.kind) {
    case 'volume':
      return node.files;
    case 'file':
      return node.sections ?? [];
    case 'section':
      if (node.volume !== undefined) return [node.volume];
      return node.children ?? [];
  }
}

/** Visits `node` and its descendants depth-first, parents before children. */
export function* walkFv(node: FvNode): Generator<FvNode> {
  const stack: FvNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === undefined) break;
    yield n;
    const kids = fvChildren(n);
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k !== undefined) stack.push(k);
    }
  }
}
