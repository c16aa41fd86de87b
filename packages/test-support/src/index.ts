/**
 * @tcg2sim/test-support: finding the external programs and firmware images the integration
 * tests need. In CI (CI=true) a missing prerequisite is a failure; locally the suite skips with
 * a visible notice.
 */
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { missingReason, skipBecause } from './skip.ts';

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
  /** How to get them, for the skip line (default: the apt-get line for their Debian packages). */
  readonly hint?: string;
}

/**
 * Programs and files the tests treat as missing although they are there: TCG2SIM_TEST_HIDE, a
 * comma-separated list of program names, paths and directories ending in `/`
 * (`TCG2SIM_TEST_HIDE=sbsign,swtpm,/usr/share/OVMF/`), to see what the suite does without them.
 */
function hidden(): ReadonlySet<string> {
  return new Set((process.env['TCG2SIM_TEST_HIDE'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

/** The prerequisites that are missing. */
export function missingPrerequisites(p: Prerequisites): string[] {
  const hide = hidden();
  const missing: string[] = [];
  for (const t of p.tools ?? []) if (hide.has(t) || which(t) === undefined) missing.push(t);
  const hiddenDir = (f: string): boolean => [...hide].some((h) => h.endsWith('/') && f.startsWith(h));
  for (const f of p.files ?? []) if (hide.has(f) || hiddenDir(f) || !existsSync(f)) missing.push(f);
  return missing;
}

/**
 * Use in a mocha hook or test: `before(function () { requirePrerequisites(this, {...}) })`.
 * Missing prerequisites skip the suite (from `before`) or the test locally, the reporter listing
 * each skipped test with one line naming what is missing and the Debian packages (or `hint`) that
 * provide it; in CI (CI=true) they fail it instead.
 */
export function requirePrerequisites(ctx: Mocha.Context, p: Prerequisites): void {
  const missing = missingPrerequisites(p);
  if (missing.length === 0) return;
  skipBecause(ctx, missingReason(missing, p.hint));
}

/**
 * A temporary directory made on first use of `path`; `remove` removes it if it was made. For a
 * suite whose tests may all be skipped: `const dir = lazyTempDir(); after(() => dir.remove());`
 * never fails in the `after` hook, whatever ran.
 */
export function lazyTempDir(prefix = 'tcg2sim-'): { readonly path: string; remove: () => void } {
  let made: { path: string; remove: () => void } | undefined;
  return {
    get path(): string {
      made ??= tempDir(prefix);
      return made.path;
    },
    remove: () => {
      made?.remove();
      made = undefined;
    },
  };
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'tcg2sim-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export { inCi, noSkips, missingReason, skipBecause, skipOptional, skipReasons, skipWithoutLocalBuild } from './skip.ts';
export { TOOL_PACKAGES, FILE_PACKAGES, debianPackageOf, debianPackagesFor } from './debian-packages.ts';
export {
  ESP_TYPE_GUID, LINUX_FS_TYPE_GUID, guidToBytes, buildFatVolume, buildGptDisk, buildEfiApplication, buildEspDisk, MACHINE_AARCH64, AARCH64_PARK,
} from './disk-image.ts';
export type { FatType, FatFileSpec, FatVolumeSpec, GptPartitionSpec, GptDiskSpec } from './disk-image.ts';
export { FIRMWARE_CACHE, debianOvmfDir, fetchHint } from './firmware-cache.ts';
export { startSwtpmSocket, qemuTpmArgs, swtpmPerTest } from './swtpm-socket.ts';
export { expectErrorCode, thrownError } from './expect-error.ts';
export type { CodedErrorClass } from './expect-error.ts';
export { SNAKEOIL_KEY, SNAKEOIL_CERT, SNAKEOIL_PASSPHRASE, snakeoilSigner, makeSigner, sbsign, sbverify } from './signing.ts';
export type { TestSigner, MakeSignerOptions } from './signing.ts';
export { FUZZ_DIR, JAZZER_ADDON, JAZZER_CLI, fuzzBundle, runJazzer, describeJazzerRun } from './jazzer.ts';
export type { JazzerOptions, JazzerRun } from './jazzer.ts';
export { OVMF_202211_EVENT, OVMF_202211_EVENTS } from './vectors/ovmf-2022.11-events.ts';
