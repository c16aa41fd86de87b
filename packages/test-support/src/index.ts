/**
 * @tcg2sim/test-support: finding the external programs and firmware images the integration
 * tests need. In CI (CI=true) a missing prerequisite is a failure; locally the suite skips with
 * a visible notice.
 */
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** True when running under CI. */
export const inCi: boolean = process.env['CI'] === 'true';

/** Full path of `cmd` on PATH (plus /usr/sbin and /sbin), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/bin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Where Debian's ovmf package installs its images. */
export const OVMF_DIR = '/usr/share/OVMF';

/** Path of a Debian OVMF image (`OVMF_CODE_4M.fd`, …) or undefined when absent. */
export function ovmfImage(name: string): string | undefined {
  const p = join(OVMF_DIR, name);
  return existsSync(p) ? p : undefined;
}

/** What a suite needs: programs on PATH and files. */
export interface Prerequisites {
  readonly tools?: readonly string[];
  readonly files?: readonly string[];
}

/** The prerequisites that are missing. */
export function missingPrerequisites(p: Prerequisites): string[] {
  const missing: string[] = [];
  for (const t of p.tools ?? []) if (which(t) === undefined) missing.push(t);
  for (const f of p.files ?? []) if (!existsSync(f)) missing.push(f);
  return missing;
}

const noticed = new Set<string>();

/**
 * Use in a mocha `before` hook: `before(function () { requirePrerequisites(this, {...}) })`.
 * Missing prerequisites skip the suite locally (with a notice on stderr) and fail it in CI.
 */
export function requirePrerequisites(ctx: Mocha.Context, p: Prerequisites): void {
  const missing = missingPrerequisites(p);
  if (missing.length === 0) return;
  const msg = `missing ${missing.join(', ')} (apt-get install -y ovmf qemu-system-x86 swtpm swtpm-tools tpm2-tools uefitool-cli pesign sbsigntool)`;
  if (inCi) throw new Error(`CI requires ${msg}`);
  if (!noticed.has(msg)) {
    noticed.add(msg);
    process.stderr.write(`NOTICE: skipping tests: ${msg}\n`);
  }
  ctx.skip();
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'tcg2sim-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export {
  ESP_TYPE_GUID, LINUX_FS_TYPE_GUID, guidToBytes, buildFatVolume, buildGptDisk, buildEfiApplication, buildEspDisk,
} from './disk-image.ts';
export type { FatType, FatFileSpec, FatVolumeSpec, GptPartitionSpec, GptDiskSpec } from './disk-image.ts';
export { expectErrorCode } from './expect-error.ts';
export type { CodedErrorClass } from './expect-error.ts';
export { SNAKEOIL_KEY, SNAKEOIL_CERT, SNAKEOIL_PASSPHRASE, snakeoilSigner, makeSigner, sbsign, sbverify } from './signing.ts';
export type { TestSigner, MakeSignerOptions } from './signing.ts';
