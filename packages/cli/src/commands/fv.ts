import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { DecodeError, toHex } from '@tcg2sim/binary-codec';
import { hash, hashAlgInfo, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import {
  depexOpText, EFI_SECTION, findDamagedVolumeHeaders, FvError, FVH_SIGNATURE, guidName, parseFirmwareVolume, parseFlashImage, peImageDigests, SECTION_GUID,
} from '@tcg2sim/uefi';
import type { FirmwareVolume, FlashImage, FvNode, FvSection, VolumeHeaderDamage } from '@tcg2sim/uefi';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { EXIT, UsageError } from '../errors.ts';

/** One node of `tcg2sim fv --json`. */
export interface FvJsonNode {
  readonly kind: 'volume' | 'file' | 'section';
  /** Volume name (FvName, else file-system GUID), file name, or a section's definition/subtype GUID. */
  readonly guid: string | null;
  /** Well-known name, or the USER_INTERFACE text of a file. */
  readonly name?: string;
  /** Volumes: FFS2/FFS3/unknown; files: EFI_FV_FILETYPE_* (`pad`); sections: EFI_SECTION_*. */
  readonly type: string;
  /** Whole node, header included (volumes: FvLength). */
  readonly size: number;
  /** Absolute offset in the image; null inside decompressed data. */
  readonly offset: number | null;
  /** Offset inside the decompressed buffer, for nodes that are not in the image as such. */
  readonly decompressedOffset?: number;
  readonly children: readonly FvJsonNode[];
  readonly [extra: string]: unknown;
}

/**
 * Adds fields to a section's JSON node. The hook for per-section facts computed elsewhere (for
 * PE32 sections: `authenticode: { sha256, … }` from the PE/COFF code).
 */
export type FvSectionAnnotator = (section: FvSection) => Readonly<Record<string, unknown>> | undefined;

/** The banks of `authenticode` in `tcg2sim fv --json`. */
const AUTHENTICODE_BANKS = [TPM_ALG_HASH.SHA1, TPM_ALG_HASH.SHA256, TPM_ALG_HASH.SHA384, TPM_ALG_HASH.SHA512];

/** Why a TE section has `authenticode: null`. */
export const TE_AUTHENTICODE_REASON =
  "TE image: Authenticode is defined for PE/COFF images only, and EDK II's MeasurePeImageAndExtend refuses an image without a 'PE\\0\\0' header (EFI_UNSUPPORTED), so no image digest is ever measured for it";

/**
 * PE32 sections: `authenticode: {sha1, sha256, sha384, sha512}`, the EDK II PE/COFF image digest
 * of the section body (the same code as `tcg2sim pe`), or null with `authenticodeReason` when
 * EDK II's loader would refuse the image. TE sections: null with {@link TE_AUTHENTICODE_REASON}.
 */
export const authenticodeAnnotator: FvSectionAnnotator = (s) => {
  if (s.type === EFI_SECTION.TE) return { authenticode: null, authenticodeReason: TE_AUTHENTICODE_REASON };
  if (s.type !== EFI_SECTION.PE32) return undefined;
  try {
    const digests: Record<string, string> = {};
    for (const d of peImageDigests(s.body, AUTHENTICODE_BANKS)) digests[hashAlgInfo(d.alg).name] = toHex(d.digest);
    return { authenticode: digests };
  } catch (e) {
    if (e instanceof DecodeError) return { authenticode: null, authenticodeReason: `not a PE/COFF image EDK II measures: ${e.message}` };
    throw e;
  }
};

/** The annotators `tcg2sim fv --json` applies (the text listing skips them: hashing costs time). */
export const FV_SECTION_ANNOTATORS: readonly FvSectionAnnotator[] = [authenticodeAnnotator];

const GUIDED_NAMES: Readonly<Record<string, string>> = {
  [SECTION_GUID.LZMA]: 'LZMA',
  [SECTION_GUID.LZMA_F86]: 'LZMA-F86',
  [SECTION_GUID.BROTLI]: 'Brotli',
  [SECTION_GUID.CRC32]: 'CRC32',
};

function fileUiName(n: FvNode): string | undefined {
  if (n.kind !== 'file') return undefined;
  for (const s of n.sections ?? []) if (s.userInterface !== undefined) return s.userInterface;
  return guidName(n.guid);
}

function place(n: FvNode): { offset: number | null; decompressedOffset?: number } {
  return n.imageOffset === undefined ? { offset: null, decompressedOffset: n.offset } : { offset: n.imageOffset };
}

/** The JSON form of a node and its subtree. */
export function fvJsonNode(n: FvNode, annotators: readonly FvSectionAnnotator[] = FV_SECTION_ANNOTATORS): FvJsonNode {
  switch (n.kind) {
    case 'volume': {
      const name = guidName(n.guid);
      return {
        kind: 'volume', guid: n.guid, ...(name === undefined ? {} : { name }), type: n.fileSystem,
        size: n.raw.length, ...place(n), fileSystemGuid: n.header.fileSystemGuid,
        attributes: n.header.attributes, erasePolarity: n.erasePolarity, revision: n.header.revision,
        sha256: toHex(hash(TPM_ALG_HASH.SHA256, n.raw)),
        ...(n.freeSpace === undefined ? {} : { freeSpace: n.freeSpace.size }),
        children: n.files.map((f) => fvJsonNode(f, annotators)),
      };
    }
    case 'file': {
      const name = fileUiName(n);
      return {
        kind: 'file', guid: n.guid, ...(name === undefined ? {} : { name }), type: n.typeName,
        size: n.size, ...place(n), attributes: n.header.attributes, state: n.state,
        children: (n.sections ?? []).map((s) => fvJsonNode(s, annotators)),
      };
    }
    case 'section': {
      const extra: Record<string, unknown> = {};
      if (n.guid !== undefined && GUIDED_NAMES[n.guid] !== undefined) extra['name'] = GUIDED_NAMES[n.guid];
      if (n.userInterface !== undefined) extra['text'] = n.userInterface;
      if (n.version !== undefined) Object.assign(extra, { buildNumber: n.version.buildNumber, text: n.version.text });
      if (n.depex !== undefined) extra['depex'] = n.depex.map(depexOpText);
      if (n.compression !== undefined) extra['compression'] = n.compression;
      if (n.processing !== 'leaf') extra['processing'] = n.processing;
      if (n.decompressed !== undefined) extra['decompressedSize'] = n.decompressed.length;
      if (n.crc32Valid !== undefined) extra['crc32Valid'] = n.crc32Valid;
      for (const a of annotators) Object.assign(extra, a(n));
      const kids = n.volume !== undefined ? [n.volume] : (n.children ?? []);
      return {
        kind: 'section', guid: n.guid ?? null, type: n.typeName, size: n.size, ...place(n), ...extra,
        children: kids.map((c) => fvJsonNode(c, annotators)),
      };
    }
  }
}

const hex = (v: number): string => `0x${v.toString(16)}`;

function textLines(j: FvJsonNode, indent: string, out: string[]): void {
  const at = j.offset === null ? `+${hex(j.decompressedOffset ?? 0)}` : `@${hex(j.offset)}`;
  const name = typeof j.name === 'string' ? ` ${j.name}` : '';
  const guid = j.guid === null ? '' : ` ${j.guid}`;
  const extra: string[] = [];
  if (typeof j['text'] === 'string' && j.kind === 'section') extra.push(JSON.stringify(j['text']));
  if (typeof j['sha256'] === 'string') extra.push(`sha256 ${j['sha256']}`);
  if (typeof j['processing'] === 'string' && j['processing'] === 'unsupported') extra.push('(not decompressed)');
  const tail = extra.length > 0 ? `  ${extra.join(' ')}` : '';
  out.push(`${indent}${j.kind} ${j.type}${guid}${name} size ${hex(j.size)} ${at}${tail}`);
  for (const c of j.children) textLines(c, `${indent}  `, out);
}

/** Flash parts are 64 MiB at most; anything far larger is not a firmware image. */
const MAX_IMAGE_BYTES = 512 * 1024 * 1024;

/** A parsed image and the volume headers the scan had to refuse. */
export interface LoadedFv {
  readonly flash: FlashImage;
  /** Damaged volume headers: their volumes are not listed (exit status 2, after the listing). */
  readonly damage: readonly VolumeHeaderDamage[];
}

/** The one-line message for a damaged volume header: file, structure, offset, what is wrong. */
export function damageMessage(file: string, d: VolumeHeaderDamage): string {
  return `${file}: EFI_FIRMWARE_VOLUME_HEADER at offset ${hex(d.offset)}: ${d.detail}; the volume is not listed`;
}

/**
 * Parses the bytes of FILE; bad input becomes a UsageError naming the file, structure and offset.
 * A volume header the scan refuses (Revision, FvLength or HeaderLength impossible) is returned as
 * damage when other volumes could be read, and is the error when none could.
 */
export function readFv(file: string, image: Uint8Array): LoadedFv {
  try {
    const flash = parseFlashImage(image);
    const damage = findDamagedVolumeHeaders(image, flash.gaps);
    if (flash.volumes.length > 0) return { flash, damage };
    const first = damage[0];
    if (first !== undefined) throw new UsageError(damageMessage(file, first));
    // No volume passed the scan: if the file itself starts with a header, say what is wrong with it.
    if (image.length >= 0x2c && new DataView(image.buffer, image.byteOffset + 0x28, 4).getUint32(0, true) === FVH_SIGNATURE) {
      const v: FirmwareVolume = parseFirmwareVolume(image);
      return { flash: { image, volumes: [v], gaps: [] }, damage: [] };
    }
  } catch (err) {
    if (err instanceof FvError || err instanceof DecodeError) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
  throw new UsageError(`${file}: EFI_FIRMWARE_VOLUME_HEADER: no firmware volume (_FVH) found (offset 0x0)`);
}

/** Reads and parses FILE (see {@link readFv}). */
export function loadFv(file: string): LoadedFv {
  const st = statSync(file);
  if (st.isFile() && st.size > MAX_IMAGE_BYTES) {
    throw new UsageError(`${file}: ${st.size} bytes is larger than any firmware image (limit ${MAX_IMAGE_BYTES})`);
  }
  const bytes = readFileSync(file);
  return readFv(file, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const FV_HELP = `
JSON (--json): {file, size, volumes: [node], gaps: [{offset, size}], diagnostics: [{severity: "error",
  structure: "EFI_FIRMWARE_VOLUME_HEADER", offset, field ("Revision"|"FvLength"|"HeaderLength"), message}]}.
  node: {kind ("volume"|"file"|"section"), guid, name?, type, size, offset (null inside decompressed
  data; then decompressedOffset), children, …}; volumes add fileSystemGuid, attributes, erasePolarity,
  revision, sha256 (of the whole volume), freeSpace?; files add attributes, state; sections add what
  they carry (text, buildNumber, depex, compression, processing, decompressedSize, crc32Valid).
  EFI_SECTION_PE32 sections carry authenticode: {sha1, sha256, sha384, sha512}, the hex EDK II PE/COFF
  image digests of the section body (as \`tcg2sim pe\` computes them: the digest Tcg2Dxe would extend
  for the image), or null with authenticodeReason when EDK II's loader refuses the image.
  EFI_SECTION_TE sections carry authenticode: null and authenticodeReason: Authenticode is defined
  for PE/COFF only, and EDK II's MeasurePeImageAndExtend refuses TE images (no 'PE\\0\\0' header), so
  there is no digest EDK II could ever measure for one. The text listing computes no digests.

Damaged volume headers: a '_FVH' signature whose Revision, FvLength or HeaderLength is impossible
  announces a volume the scan cannot delimit; its bytes are listed as not in a volume, and the
  damage is reported: one line on stderr naming the file, the header offset and the field, a note on
  the 'not in a volume' line of the listing, and an entry in diagnostics with --json.

Exit status: 0 when every volume could be read; 2 for bad input: no volume, a corrupt volume (checksum,
  truncation, corrupt compressed data) — one line on stderr and no listing — or a damaged volume header
  beside readable volumes — the listing of what could be read is still printed, since a damaged
  header is bad input like any other corrupt structure, and a script must not take a partial
  listing for the whole image.
`;

/** `tcg2sim fv FILE [--json]`: the firmware volume tree of an image, with volume digests. */
export function registerFv(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('fv')
    .description('the firmware volume tree (volumes, FFS files, sections) of a firmware image, with volume digests')
    .argument('<file>', 'firmware image: a flash image (OVMF_CODE.fd) or a single volume')
    .option('--json', 'print the tree as JSON, with the Authenticode digests of PE32 sections')
    .addHelpText('after', FV_HELP)
    .action((file: string, opts: { json?: boolean }) => {
      const { flash, damage } = loadFv(file);
      const nodes = flash.volumes.map((v) => fvJsonNode(v, opts.json === true ? FV_SECTION_ANNOTATORS : []));
      if (opts.json === true) {
        const diagnostics = damage.map((d) => ({
          severity: 'error', structure: 'EFI_FIRMWARE_VOLUME_HEADER', offset: d.offset, field: d.field, message: d.detail,
        }));
        io.out(`${JSON.stringify({ file, size: flash.image.length, volumes: nodes, gaps: flash.gaps, diagnostics }, null, 2)}\n`);
      } else {
        const out: string[] = [`${file}: ${flash.volumes.length} volume(s), ${hex(flash.image.length)} bytes`];
        for (const n of nodes) textLines(n, '', out);
        for (const g of flash.gaps) {
          const inside = damage.filter((d) => d.offset >= g.offset && d.offset < g.offset + g.size);
          const note = inside.map((d) => `  (damaged volume header @${hex(d.offset)}: ${d.detail})`).join('');
          out.push(`not in a volume: size ${hex(g.size)} @${hex(g.offset)}${note}`);
        }
        io.out(`${out.join('\n')}\n`);
      }
      for (const d of damage) io.err(`tcg2sim: ${damageMessage(file, d)}\n`);
      setStatus(damage.length > 0 ? EXIT.USAGE : EXIT.OK);
    });
}
