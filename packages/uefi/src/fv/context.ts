/**
 * Limits and per-parse state. One {@link ParseContext} is created for each top-level parse and
 * threaded through every call, so the decompression budget and the counts are shared across the
 * whole tree (nested volumes and decompressed data included) and nothing lives at module level.
 */
import { DecodeError, Tcg2Error } from '@tcg2sim/binary-codec';
import { FvError } from './errors.ts';
import type { FvErrorCode } from './errors.ts';
import { sectionExtractors } from './extractors.ts';
import type { SectionExtractors } from './extractors.ts';

/** Bounds on what one parse may do with hostile input. */
export interface FvLimits {
  /** Deepest tree level (top-level volume = 0, its files = 1, their sections = 2, …). */
  readonly maxDepth: number;
  /** Bytes all decompressors together may produce. */
  readonly maxDecompressedBytes: number;
  /** FFS files in the whole tree. */
  readonly maxFiles: number;
  /** Sections in the whole tree. */
  readonly maxSections: number;
}

/** Defaults: far above any real image (OVMF: depth 6, ~13 MiB decompressed, ~300 files). */
export const DEFAULT_FV_LIMITS: FvLimits = {
  maxDepth: 32,
  maxDecompressedBytes: 256 * 1024 * 1024,
  maxFiles: 100_000,
  maxSections: 400_000,
};

/** Options of every parse function. */
export interface FvParseOptions {
  /** Overrides of {@link DEFAULT_FV_LIMITS}. */
  readonly limits?: Partial<FvLimits>;
  /** Decompressors (default: {@link sectionExtractors}(): EFI 1.1/Tiano, LZMA, LZMA-F86, Brotli, CRC32). */
  readonly extractors?: SectionExtractors;
  /**
   * Throw FvError BAD_CHECKSUM on a bad volume header, file header, file data or CRC32 section
   * checksum (default true). When false the result is recorded on the node instead.
   */
  readonly verifyChecksums?: boolean;
}

/**
 * The buffer nodes are read from: the image (imageBase = offset of buffer[0] in the image) or a
 * decompressed buffer (imageBase undefined).
 */
export interface Space {
  readonly buffer: Uint8Array;
  readonly imageBase: number | undefined;
}

/** Mutable state of one parse. */
export class ParseContext {
  readonly limits: FvLimits;
  readonly extractors: SectionExtractors;
  readonly verifyChecksums: boolean;
  #files = 0;
  #sections = 0;
  #decompressed = 0;

  constructor(options: FvParseOptions = {}) {
    this.limits = { ...DEFAULT_FV_LIMITS, ...options.limits };
    this.extractors = options.extractors ?? sectionExtractors();
    this.verifyChecksums = options.verifyChecksums ?? true;
  }

  /** Decompression budget left. */
  get budgetLeft(): number {
    return Math.max(0, this.limits.maxDecompressedBytes - this.#decompressed);
  }

  /** Builds an FvError located at `offset` of `space`. */
  error(code: FvErrorCode, structure: string, detail: string, space: Space, offset: number, cause?: unknown): FvError {
    const abs = space.imageBase === undefined ? offset : space.imageBase + offset;
    return new FvError(code, structure, detail, abs, space.imageBase === undefined, cause === undefined ? undefined : { cause });
  }

  /** Counts one file; throws LIMIT_EXCEEDED past maxFiles. */
  countFile(space: Space, offset: number): void {
    if (++this.#files > this.limits.maxFiles) {
      throw this.error('LIMIT_EXCEEDED', 'EFI_FFS_FILE_HEADER', `more than ${this.limits.maxFiles} files`, space, offset);
    }
  }

  /** Counts one section; throws LIMIT_EXCEEDED past maxSections. */
  countSection(space: Space, offset: number): void {
    if (++this.#sections > this.limits.maxSections) {
      throw this.error('LIMIT_EXCEEDED', 'EFI_COMMON_SECTION_HEADER', `more than ${this.limits.maxSections} sections`, space, offset);
    }
  }

  /** Throws LIMIT_EXCEEDED when `depth` is deeper than maxDepth. */
  checkDepth(depth: number, structure: string, space: Space, offset: number): void {
    if (depth > this.limits.maxDepth) {
      throw this.error('LIMIT_EXCEEDED', structure, `nesting deeper than ${this.limits.maxDepth}`, space, offset);
    }
  }

  /** Charges `n` decompressed bytes to the budget. */
  useBudget(n: number, structure: string, space: Space, offset: number): void {
    if (n > this.budgetLeft) {
      throw this.error('LIMIT_EXCEEDED', structure, `decompressed data exceeds the budget of ${this.limits.maxDecompressedBytes} bytes`, space, offset);
    }
    this.#decompressed += n;
  }

  /**
   * Runs a decompressor, turning the errors of bad data (any Tcg2Error) into an FvError at the
   * section (LIMIT_EXCEEDED stays LIMIT_EXCEEDED, the rest is DECOMPRESSION_FAILED).
   */
  decompress<T>(structure: string, space: Space, offset: number, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FvError) throw err;
      if (err instanceof Tcg2Error) {
        const limit = err instanceof DecodeError && err.code === 'LIMIT_EXCEEDED';
        throw this.error(limit ? 'LIMIT_EXCEEDED' : 'DECOMPRESSION_FAILED', structure, err instanceof DecodeError ? err.detail : err.message, space, offset, err);
      }
      throw err;
    }
  }
}
