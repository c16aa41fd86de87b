import { Tcg2Error } from '@tcg2sim/binary-codec';
import { BootDigests, measuresAcpiData } from '@tcg2sim/platform-ovmf';
import { armVirtImage, isArmVirtImage } from '@tcg2sim/platform-armvirt';
import type { Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { CommandFailure } from '../errors.ts';
import { loadDiskBootLoader } from '../disk.ts';
import { romReader } from '../nics.ts';
import { allNotes, predictScenario } from './predict-boot.ts';
import { decompressedOrUndefined, modelledFwCfgFiles } from './fw-cfg-model.ts';
import type { ModelledFwCfg } from './fw-cfg-model.ts';
import { modelledVirtFwCfgFiles } from './fw-cfg-model-virt.ts';
import { predictionJson } from './predict-run.ts';

/** One configuration to boot, as the main thread and the matrix workers share it (structured-cloneable). */
export interface MatrixJob {
  readonly scenario: Scenario;
  /** Index of the firmware image. */
  readonly image: number;
  /** Index of the variable store; `code` for a combined image (--bios); undefined for none. */
  readonly vars: number | 'code' | undefined;
  /** `firmware` of the output, as a single `predict` names it. */
  readonly source: string;
  /** `--fw-cfg-from-qemu`: QEMU's fw_cfg files read for this configuration (fw-cfg-qemu.ts). */
  readonly fwCfgFromQemu?: boolean;
}

/** What booting one configuration gave (structured-cloneable). */
export type MatrixOutcome =
  | {
      readonly ok: true;
      /** Exactly the object a single `predict --json` prints for this configuration. */
      readonly prediction: Record<string, unknown>;
      readonly mismatches: number;
      /** False when the boot measured nothing though the build measures (a single `predict` exits 1 then). */
      readonly measured: boolean;
      readonly endState: string;
    }
  | { readonly ok: false; readonly error: { readonly kind: 'usage' | 'failure' | 'internal'; readonly message: string } };

/** A firmware image as one thread holds it: the bytes, SEC's output, the digests of its boots. */
export interface ThreadImage {
  readonly code: Uint8Array;
  readonly sec: Promise<SecOutput>;
  readonly digests: BootDigests;
}

/** Buffers a thread's digest memo compares by content (PEIFV copies: ~1 MiB each, kept). */
const CONTENT_SLOTS = 32;

/** A digest memo for the boots of one image on one thread. */
export function matrixDigests(): BootDigests {
  return new BootDigests(undefined, { contentSlots: CONTENT_SLOTS });
}

/**
 * Boots matrix jobs on one thread: each exactly as a single `predict` would (predictScenario,
 * predictionJson), with SEC's output and the digest memo of its image shared by all of them,
 * and each disk image read once.
 */
export class MatrixBooter {
  readonly #images: readonly ThreadImage[];
  readonly #vars: readonly Uint8Array[];
  readonly #disks = new Map<string, DiskBootLoader>();
  /** The NICs' option ROM files, each read once by this thread. */
  readonly #readRom = romReader();
  /** Per ArmVirtQemu image: whether it measures QEMU's ACPI blobs (read once). */
  readonly #virtMeasures = new Map<number, boolean>();

  constructor(images: readonly ThreadImage[], vars: readonly Uint8Array[]) {
    this.#images = images;
    this.#vars = vars;
  }

  async run(job: MatrixJob): Promise<MatrixOutcome> {
    try {
      const img = this.#images[job.image];
      if (img === undefined) throw new Error(`matrix job names image ${job.image}, which this thread lacks`);
      const vars = job.vars === 'code' ? img.code : job.vars === undefined ? undefined : this.#vars[job.vars];
      const disk = job.scenario.disk !== undefined ? this.#disk(job.scenario.disk) : undefined;
      const fw = { code: img.code, vars, source: job.source, sec: img.sec, digests: img.digests };
      // --fw-cfg-from-qemu: each configuration's files from its own QEMU; otherwise QEMU 7.2's ACPI
      // blobs (and SMBIOS tables) modelled, as a single predict does without the flag.
      const fwCfg = job.fwCfgFromQemu === true ? await (await import('./fw-cfg-qemu.ts')).configurationFwCfgFiles(job.scenario, img.code, img.sec) : undefined;
      const sec = fwCfg !== undefined || isArmVirtImage(img.code) ? undefined : await decompressedOrUndefined(img.sec);
      // ArmVirtQemu: QEMU 7.2's virt blobs for capture's VM (fw-cfg-model-virt.ts)
      const model: ModelledFwCfg | undefined = fwCfg === undefined && isArmVirtImage(img.code)
        ? (this.#measuresVirt(job.image, img.code) ? modelledVirtFwCfgFiles(job.scenario) : undefined)
        : sec === undefined || !measuresAcpiData(sec) ? undefined : await modelledFwCfgFiles(job.scenario, sec, false);
      const files = fwCfg !== undefined
        ? (fwCfg.files.size > 0 ? { fwCfgFiles: fwCfg.files } : {})
        : model !== undefined && !('uncovered' in model) ? { fwCfgFiles: model.files } : {};
      const fwCfgNote = fwCfg !== undefined ? [fwCfg.note] : model === undefined ? [] : ['uncovered' in model ? `QEMU's ACPI blobs are not modelled for this VM (${model.uncovered}): --fw-cfg-from-qemu reads your QEMU's` : model.note];
      const p = await predictScenario(job.scenario, fw, { digestWorker: false, disk, readRom: this.#readRom, ...files });
      return { ok: true, prediction: predictionJson(p, job.source, [...fwCfgNote, ...allNotes(job.scenario, fw, p)]), mismatches: p.mismatches.length, measured: p.boot.pei !== undefined || p.boot.measuresNothing === true, endState: p.boot.endState };
    } catch (e) {
      return { ok: false, error: errorOf(e) };
    }
  }

  #measuresVirt(image: number, code: Uint8Array): boolean {
    let m = this.#virtMeasures.get(image);
    if (m === undefined) {
      try {
        m = measuresAcpiData(armVirtImage(code));
      } catch (e) {
        if (!(e instanceof Tcg2Error)) throw e;
        m = false; // a broken image: its prediction reports it
      }
      this.#virtMeasures.set(image, m);
    }
    return m;
  }

  #disk(path: string): DiskBootLoader {
    let d = this.#disks.get(path);
    if (d === undefined) {
      d = loadDiskBootLoader(path);
      this.#disks.set(path, d);
    }
    return d;
  }
}

/** An error as the CLI reports it: usage (exit 2), failure (exit 1), or a bug. */
function errorOf(e: unknown): { kind: 'usage' | 'failure' | 'internal'; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof CommandFailure) return { kind: 'failure', message };
  if (e instanceof Tcg2Error) return { kind: 'usage', message };
  if (e instanceof Error && 'code' in e && (e.code === 'ENOENT' || e.code === 'EISDIR' || e.code === 'EACCES')) return { kind: 'usage', message };
  return { kind: 'internal', message: e instanceof Error && e.stack !== undefined ? e.stack : message };
}
