/**
 * The builds.json of platform-ovmf's distro vector directories (test/vectors/distro-202302/,
 * distro-2024/): each build's firmware files in the firmware cache (never committed) with their
 * source and sha256, the VM shapes it was booted in for real, and the CLI arguments that describe
 * them. Shared by distro-builds-202302.spec.ts and distro-builds-2024.spec.ts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRMWARE_CACHE, requirePrerequisites, skipOptional } from '@tcg2sim/test-support';

export interface FileRef {
  readonly file: string;
  readonly source: string;
  readonly sha256: string;
}
export interface DistroConfig {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  readonly smm?: boolean;
  readonly memoryMiB: number;
  readonly tpmInterface: 'tis' | 'crb';
  /** A difference from the real boot that is known and not modelled (its PCR, in words). */
  readonly knownDifference?: string;
}
export interface DistroBuild {
  readonly id: string;
  readonly distribution: string;
  readonly code?: FileRef;
  readonly vars?: FileRef;
  readonly bios?: FileRef;
  readonly configs: readonly DistroConfig[];
}
export interface PredictJson {
  readonly complete: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The builds of a vector directory (a URL ending in `/`). */
export function distroBuilds(vectors: URL): readonly DistroBuild[] {
  return JSON.parse(readFileSync(new URL('builds.json', vectors), 'utf8')) as readonly DistroBuild[];
}

/** The real boot of `c`: its event log's path and its PCRs (bank → index → hex). */
export function realBoot(vectors: URL, b: DistroBuild, c: DistroConfig): { log: string; pcrs: Record<string, Record<string, string>> } {
  const log = new URL(`${b.id}/${c.name}-eventlog.bin`, vectors).pathname;
  const pcrs = (JSON.parse(readFileSync(new URL(`${b.id}/${c.name}-pcrs.json`, vectors), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
  return { log, pcrs };
}

export function firmwareArgs(b: DistroBuild): string[] {
  if (b.bios !== undefined) return ['--bios', join(FIRMWARE_CACHE, b.bios.file)];
  return ['--code', join(FIRMWARE_CACHE, b.code?.file ?? ''), ...(b.vars === undefined ? [] : ['--vars', join(FIRMWARE_CACHE, b.vars.file)])];
}

export function vmArgs(c: DistroConfig): string[] {
  return ['--machine', c.machine, ...(c.smm === true ? ['--smm'] : []), '--memory', String(c.memoryMiB), '--tpm-interface', c.tpmInterface];
}

/**
 * From a `before` hook: skips (fails in CI) unless every firmware file of `b` is in the cache with
 * its sha256, and QEMU and swtpm are installed. With `debianHint`, a Debian build's file counts as
 * a prerequisite (fetched by that script) rather than an optional image.
 */
export function requireBuild(ctx: Mocha.Context, b: DistroBuild, debianHint?: string): void {
  for (const ref of [b.bios, b.code, b.vars]) {
    if (ref === undefined) continue;
    const path = join(FIRMWARE_CACHE, ref.file);
    if (debianHint !== undefined && ref.source.startsWith('Debian')) requirePrerequisites(ctx, { files: [path], hint: debianHint });
    else if (!existsSync(path)) skipOptional(ctx, `firmware ${path} absent (from ${ref.source}; never committed)`);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    if (sha !== ref.sha256) skipOptional(ctx, `firmware ${path} is not the file of ${ref.source} (sha256 ${sha})`);
  }
  requirePrerequisites(ctx, { tools: ['qemu-system-x86_64', 'swtpm'] });
}
