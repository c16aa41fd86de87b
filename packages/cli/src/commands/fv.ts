import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { DecodeError, toHex } from '@tcg2sim/binary-codec';
import { hash, TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import { depexOpText, FvError, FVH_SIGNATURE, guidName, parseFirmwareVolume, parseFlashImage, SECTION_GUID } from '@tcg2sim/uefi';
import type { FirmwareVolume, FlashImage, FvNode, FvSection } from '@tcg2sim/uefi';
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

/** The annotators `tcg2sim fv` applies (add the PE/COFF Authenticode annotator here). */
export const FV_SECTION_ANNOTATORS: readonly FvSectionAnnotator[] = [];

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

/** Reads and parses FILE; bad input becomes a UsageError naming the file, structure and offset. */
export function loadFv(file: string): FlashImage {
  const st = statSync(file);
  if (st.isFile() && st.size > MAX_IMAGE_BYTES) {
    throw new UsageError(`${file}: ${st.size} bytes is larger than any firmware image (limit ${MAX_IMAGE_BYTES})`);
  }
  const bytes = readFileSync(file);
  const image = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const flash = parseFlashImage(image);
    if (flash.volumes.length > 0) return flash;
    // No volume passed the scan: if the file itself starts with a header, say what is wrong with it.
    if (image.length >= 0x2c && new DataView(image.buffer, image.byteOffset + 0x28, 4).getUint32(0, true) === FVH_SIGNATURE) {
      const v: FirmwareVolume = parseFirmwareVolume(image);
      return { image, volumes: [v], gaps: [] };
    }
  } catch (err) {
    if (err instanceof FvError || err instanceof DecodeError) throw new UsageError(`${file}: ${err.message}`, { cause: err });
    throw err;
  }
  throw new UsageError(`${file}: EFI_FIRMWARE_VOLUME_HEADER: no firmware volume (_FVH) found (offset 0x0)`);
}

/** `tcg2sim fv FILE [--json]`: the firmware volume tree of an image, with volume digests. */
export function registerFv(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('fv')
    .description('the firmware volume tree (volumes, FFS files, sections) of a firmware image, with volume digests')
    .argument('<file>', 'firmware image: a flash image (OVMF_CODE.fd) or a single volume')
    .option('--json', 'print the tree as JSON')
    .action((file: string, opts: { json?: boolean }) => {
      const flash = loadFv(file);
      const nodes = flash.volumes.map((v) => fvJsonNode(v));
      if (opts.json === true) {
        io.out(`${JSON.stringify({ file, size: flash.image.length, volumes: nodes, gaps: flash.gaps }, null, 2)}\n`);
      } else {
        const out: string[] = [`${file}: ${flash.volumes.length} volume(s), ${hex(flash.image.length)} bytes`];
        for (const n of nodes) textLines(n, '', out);
        for (const g of flash.gaps) out.push(`not in a volume: size ${hex(g.size)} @${hex(g.offset)}`);
        io.out(`${out.join('\n')}\n`);
      }
      setStatus(EXIT.OK);
    });
}
