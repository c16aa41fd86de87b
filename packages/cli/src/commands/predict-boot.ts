/**
 * The part of `tcg2sim predict` that every command predicting a boot shares (predict and its
 * matrix, reference, verify): the scenario from the boot flags (over --scenario), the firmware,
 * one simulated boot, the notes.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { MachineDescription, VmNotBootableError, decompressMemFvsAsync, diskPciSlotCount, measuresAcpiData, predict } from '@tcg2sim/platform-ovmf';
import type { BootDigests, MachineInput, Prediction, Scenario, SecOutput } from '@tcg2sim/platform-ovmf';
import type { DiskBootLoader } from '@tcg2sim/uefi';
import { VirtualClock } from '@tcg2sim/ptp';
import { isArmVirtImage } from '@tcg2sim/platform-armvirt';
import { predictArmVirtScenario } from './predict-armvirt.ts';
import { decompressedOrUndefined, modelledFwCfgFiles } from './fw-cfg-model.ts';
import type { BootOptions } from './boot-options.ts';
import type { EarlyFirmware } from './predict.ts';
import { UsageError } from '../errors.ts';
import { createBootBackend } from '../backends.ts';
import { defaultFirmware } from '../default-firmware.ts';
import { loadDiskBootLoader } from '../disk.ts';
import { diskPlacementOf, loadNics, platformDevicesOf, romReader } from '../nics.ts';
import { readInput, readInputText } from '../files.ts';
import { checkScenario, fieldOrigin, predictNotes } from './predict-check.ts';
import { scenarioFieldsOf, vmCommand, vmPredictInput } from '../vm-input.ts';
import type { PredictInput } from '@tcg2sim/qemu-config';
import type { OptionRomBar } from '@tcg2sim/qemu-vmm';

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: not a whole number: ${JSON.stringify(v)}`);
  return Number(v);
}

/**
 * CLI flags over the scenario file (flags win). Paths in the file are relative to it. The YAML
 * parser is loaded only for a scenario file (it is a quarter of the CLI's code).
 */
export async function scenarioFrom(o: BootOptions, vm?: PredictInput): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = vm !== undefined ? scenarioFieldsOf(vm) : {};
  let dir = process.cwd();
  if (o.scenario !== undefined) {
    const text = readInputText(o.scenario, '--scenario');
    const { default: YAML } = await import('yaml');
    let parsed: unknown;
    try {
      parsed = YAML.parse(text);
    } catch (e) {
      throw new UsageError(`${o.scenario}: not JSON or YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${o.scenario}: a scenario is an object`);
    base = { ...(parsed as Record<string, unknown>) };
    dir = dirname(resolve(o.scenario));
  }
  const rel = (k: string): void => {
    const v = base[k];
    if (typeof v === 'string') base[k] = resolve(dir, v);
  };
  rel('code');
  rel('vars');
  rel('bios');
  rel('disk');
  rel('optionRomDir');
  const more = base['moreDisks'];
  if (Array.isArray(more)) {
    base['moreDisks'] = more.map((m: unknown) => (typeof m === 'object' && m !== null && typeof (m as Record<string, unknown>)['disk'] === 'string'
      ? { ...(m as Record<string, unknown>), disk: resolve(dir, (m as Record<string, string>)['disk'] ?? '') } : m));
  }
  const set = (k: string, v: unknown): void => {
    if (v !== undefined) base[k] = v;
  };
  set('code', o.code);
  set('vars', o.vars);
  set('bios', o.bios);
  setDisks(base, o);
  set('nics', o.nic);
  set('optionRomDir', o.optionRomDir);
  set('machine', o.machine);
  set('memoryMiB', int('memory', o.memory));
  set('tcg2Config', o.tcg2Config);
  if (o.tpmAutoDetection === false) base['tpmAutoDetection'] = false;
  set('cpus', int('cpus', o.cpus));
  if (o.smm === true) base['smm'] = true;
  if (o.s3 === false) base['s3'] = false;
  set('tpmInterface', o.tpmInterface);
  set('tpm', o.tpm);
  set('imageBufferAddress', o.imageBufferAddress);
  if (o.banks !== undefined) base['banks'] = o.banks.split(',').map((b) => b.trim().toLowerCase());
  return base;
}

/**
 * `--disk` (repeatable) and `--disk-interface` (once for all disks, or once per disk in order)
 * onto the scenario's `disk`, `diskInterface` and `moreDisks`.
 */
function setDisks(base: Record<string, unknown>, o: BootOptions): void {
  const disks = o.disk ?? [];
  const ifaces = o.diskInterface ?? [];
  if (disks.length > 0 && ifaces.length > 1 && ifaces.length !== disks.length) {
    throw new UsageError(`--disk-interface: given ${ifaces.length} times for ${disks.length} --disk; give it once (for every disk) or once per --disk, in order`);
  }
  if (disks.length === 0) {
    if (ifaces.length > 0) base['diskInterface'] = ifaces[0]; // the scenario's check names the flag
    if (ifaces.length > 1) throw new UsageError('--disk-interface: given more than once without --disk');
    return;
  }
  const ifaceOf = (i: number): string | undefined => (ifaces.length === 1 ? ifaces[0] : ifaces[i]);
  base['disk'] = disks[0];
  const first = ifaceOf(0);
  if (first !== undefined) base['diskInterface'] = first;
  if (disks.length > 1) {
    base['moreDisks'] = disks.slice(1).map((disk, i) => {
      const iface = ifaceOf(i + 1);
      return iface === undefined ? { disk } : { disk, diskInterface: iface };
    });
  }
}

/**
 * Whether a second core is likely free for the boot's hashing worker (DigestWorker): it saves
 * ~20 ms of wall time when one is, and costs ~40 ms of CPU, so on a saturated machine it makes
 * the run slower. Yes for a real-time process (SCHED_FIFO/SCHED_RR: it gets a core whatever the
 * load), else when the 1-minute load average is below the number of cores.
 * TCG2SIM_DIGEST_WORKER=0/1 decides instead. Only the timing depends on it, never the output.
 */
export function spareCore(): boolean {
  const forced = process.env['TCG2SIM_DIGEST_WORKER'];
  if (forced === '0' || forced === '1') return forced === '1';
  const cores = availableParallelism();
  if (cores < 2) return false;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const policy = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]; // field 41, policy
    if (policy === '1' || policy === '2') return true;
  } catch {
    // not Linux: the load average alone
  }
  return (loadavg()[0] ?? cores) < cores;
}

/** A prediction from predict's flags, and how to predict the same firmware for another VM shape. */
export interface PredictedBoot {
  readonly p: Prediction;
  /** The firmware named in words (the files, or the embedded default). */
  readonly source: string;
  /**
   * The same firmware, variable store, disk and TPM settings on another machine shape (RAM,
   * CPUs, machine type), with SEC's decompressed volumes reused and the in-process soft TPM.
   */
  readonly rerun: (machine: Partial<MachineInput>) => Promise<Prediction>;
  /** The machine `rerun(machine)` boots (before MachineDescription's defaults and checks). */
  readonly rerunMachine: (machine: Partial<MachineInput>) => MachineInput;
  /** The variable store the boots read, if any. */
  readonly vars: Uint8Array | undefined;
  /** What the user should know of the prediction (the boot's notes, assumed stores, SMM mismatches). */
  readonly notes: readonly string[];
}

/** The scenario of predict's flags (one configuration), validated; errors name the flag or the scenario file's field. */
export async function scenarioOf(o: BootOptions, vm?: PredictInput): Promise<Scenario> {
  const s = checkScenario(await scenarioFrom(o, vm), o);
  if (s.vars !== undefined && s.code === undefined) throw new UsageError(`${fieldOrigin('vars', o)}: a variable store needs --code, the OVMF_CODE*.fd it belongs to`);
  return s;
}

/** The firmware of one boot: image, variable store, and how predict names them. */
export interface BootFirmware {
  readonly code: Uint8Array;
  readonly vars: Uint8Array | undefined;
  /** `firmware` in the JSON output, the first line of the summary. */
  readonly source: string;
  /** SEC's output of `code`, when already started. */
  readonly sec?: Promise<SecOutput> | undefined;
  /** A digest memo shared with other boots of `code` (a matrix). */
  readonly digests?: BootDigests | undefined;
}

/** The scenario's firmware: its bios, or code (+ vars), or the embedded default; files read by `read(path, field)`. */
export function scenarioFirmware(s: Scenario, read: (path: string, field: 'bios' | 'code' | 'vars') => Uint8Array): BootFirmware {
  if (s.bios !== undefined) {
    const code = read(s.bios, 'bios');
    return { code, vars: code, source: s.bios };
  }
  if (s.code !== undefined) {
    const code = read(s.code, 'code');
    const vars = s.vars !== undefined ? read(s.vars, 'vars') : undefined;
    return { code, vars, source: s.vars !== undefined ? `${s.code} + ${s.vars}` : s.code };
  }
  const d = defaultFirmware();
  return { code: d.code, vars: d.vars, source: d.description };
}

/** Options of {@link predictScenario}. */
export interface PredictScenarioOptions {
  readonly digestWorker: boolean;
  readonly disk?: DiskBootLoader | undefined;
  /** Machine fields over the scenario's (verify's probes of other VM shapes). */
  readonly machine?: Partial<MachineInput>;
  /** Reads a NIC's option ROM file (romReader: once per run); default: read on every boot. */
  readonly readRom?: ((path: string) => OptionRomBar) | undefined;
  /** The TPM backend instead of the scenario's. */
  readonly tpm?: Scenario['tpm'];
  /** QEMU's fw_cfg files for the VM (predict --fw-cfg-from-qemu). */
  readonly fwCfgFiles?: ReadonlyMap<string, Uint8Array>;
  /** QEMU's bootorder file (from --qemu-cmdline / --libvirt-xml bootindex). */
  readonly qemuBootOrder?: Uint8Array | undefined;
  /** On virt: the -cpu model of the command line (capture's cortex-a57 without one). */
  readonly virtCpu?: string | undefined;
  /** On virt: false for a machine without ACPI (-no-acpi, acpi=off). */
  readonly virtAcpi?: boolean | undefined;
  /** On virt: the command line's AHCI controllers. */
  readonly virtAhci?: number | undefined;
}

/** The machine of a validated scenario, `over`'s fields over the scenario's. */
export function scenarioMachine(s: Scenario, over: Partial<MachineInput> = {}): MachineInput {
  return {
    machine: s.machine, memoryMiB: s.memoryMiB, cpus: s.cpus, smm: s.smm, s3: s.s3,
    ...(s.maxCpus !== undefined ? { maxCpus: s.maxCpus } : {}),
    ...over,
  };
}

/**
 * One simulated boot of a validated scenario: machine, TPM backend (closed afterwards), predict.
 * A firmware image the simulator rejects is a UsageError naming `fw.source`.
 */
export async function predictScenario(s: Scenario, fw: BootFirmware, o: PredictScenarioOptions): Promise<Prediction> {
  if (isArmVirtImage(fw.code)) {
    return predictArmVirtScenario(s, fw, { readRom: o.readRom, cpu: o.virtCpu, acpi: o.virtAcpi, ahciControllers: o.virtAhci, qemuBootOrder: o.qemuBootOrder, ...(o.machine !== undefined ? { machine: o.machine } : {}), ...(o.tpm !== undefined ? { tpm: o.tpm } : {}), ...(o.fwCfgFiles !== undefined ? { fwCfgFiles: o.fwCfgFiles } : {}) });
  }
  const machine = MachineDescription.parse(scenarioMachine(s, o.machine));
  // The NICs' slots, MACs and option ROMs (packages/qemu-vmm) follow the machine type; they sit
  // after the disks' controllers.
  const interfaces = s.disk === undefined ? [] : [s.diskInterface ?? 'virtio', ...(s.moreDisks ?? []).map((d) => d.diskInterface ?? 'virtio')];
  const bootIndex = (device: string): { bootIndex: number } | Record<string, never> => {
    const i = s.bootOrder?.indexOf(device) ?? -1;
    return i < 0 ? {} : { bootIndex: i + 1 };
  };
  const nics = loadNics(machine.machine, s.nics, s.optionRomDir, diskPciSlotCount(machine.machine, interfaces), o.readRom)?.map((n, i) => ({ ...n, ...bootIndex(`nic${i}`) }));
  const moreDisks = (s.moreDisks ?? []).map((d, i) => ({
    loader: loadDiskBootLoader(d.disk),
    ...(d.diskInterface !== undefined ? { diskInterface: d.diskInterface } : {}),
    ...(d.diskPlacement !== undefined ? { placement: diskPlacementOf(d.diskPlacement) } : {}),
    ...bootIndex(`disk${i + 1}`),
  }));
  const disk0 = s.bootOrder?.indexOf('disk0') ?? -1;
  const backend = await createBootBackend(o.tpm ?? s.tpm, s.banks);
  try {
    return await predict({
      code: fw.code,
      vars: fw.vars,
      machine,
      tpmInterface: s.tpmInterface,
      backend,
      clock: new VirtualClock(),
      ...(fw.sec !== undefined ? { sec: fw.sec } : {}),
      ...(fw.digests !== undefined ? { digests: fw.digests } : {}),
      digestWorker: o.digestWorker,
      ...(o.disk !== undefined ? { disk: o.disk } : {}),
      ...(nics !== undefined ? { nics } : {}),
      ...(o.disk !== undefined && s.diskInterface !== undefined ? { diskInterface: s.diskInterface } : {}),
      ...(o.disk !== undefined && s.diskPlacement !== undefined ? { diskPlacement: diskPlacementOf(s.diskPlacement) } : {}),
      ...(s.devices !== undefined && s.devices.length > 0 ? { devices: platformDevicesOf(s.devices) } : {}),
      ...(o.disk !== undefined && moreDisks.length > 0 ? { moreDisks } : {}),
      ...(o.disk !== undefined && disk0 >= 0 ? { diskBootIndex: disk0 + 1 } : {}),
      ...(o.fwCfgFiles !== undefined ? { fwCfgFiles: o.fwCfgFiles } : {}),
      ...(o.qemuBootOrder !== undefined ? { qemuBootOrder: o.qemuBootOrder } : {}),
      tcg2Config: s.tcg2Config,
      tpmAutoDetection: s.tpmAutoDetection,
      ...(s.imageBufferAddress !== undefined ? { imageBufferAddress: () => BigInt(s.imageBufferAddress ?? 0) } : {}),
    });
  } catch (e) {
    if (e instanceof VmNotBootableError) throw new UsageError(`${fw.source}: ${e.message}; predict it so with --no-s3 (a scenario's s3: false, or the -global on --qemu-cmdline)`, { cause: e });
    if (e instanceof Tcg2Error) throw new UsageError(`${fw.source}: ${e.message}`, { cause: e });
    throw e;
  } finally {
    await backend.close();
  }
}

/** What the CLI notes about a prediction: predictNotes' notes, then the boot's own. */
export function allNotes(s: Scenario, fw: BootFirmware, p: Prediction): string[] {
  return predictNotes(s, p, fw.vars === undefined);
}

/**
 * Builds the scenario from predict's flags (see registerPredict and addBootOptions) and
 * boots it. `early` is the firmware image predict.ts already read and started decompressing,
 * used when the scenario names that same file.
 */
export async function predictFromOptions(o: BootOptions, early: EarlyFirmware | undefined): Promise<PredictedBoot> {
  // --qemu-cmdline / --libvirt-xml: the VM description gives firmware, machine, devices.
  const vmNotes: string[] = [];
  const vm = await vmPredictInput(o, (line) => vmNotes.push(line));
  const s = await scenarioOf(o, vm);
  const vmMachine: Partial<MachineInput> = vm !== undefined ? { cpu: vm.cpu, defaultCdrom: vm.defaultCdrom } : {};
  // The image predict.ts read (and started decompressing) when it is the one the scenario names.
  const fw = scenarioFirmware(s, (path, field) => (field !== 'vars' && early?.path === path ? early.bytes : readInput(path, fieldOrigin(field, o))));
  // ArmVirtQemu loads \EFI\BOOT\BOOTAA64.EFI (virt-devices.ts reads it): no X64 loader needed.
  const disk = s.disk !== undefined && !isArmVirtImage(fw.code) ? loadDiskBootLoader(s.disk) : undefined;
  const sec = early !== undefined && fw.code === early.bytes ? early.sec : undefined;
  let fwCfg: { files: ReadonlyMap<string, Uint8Array>; note: string } | undefined;
  let secReady = sec;
  // A virt command line needs an ArmVirtQemu image, an x86 one an OVMF image.
  if (vm !== undefined && (vm.machine === 'virt') !== isArmVirtImage(fw.code)) {
    throw new UsageError(`${o.qemuCmdline !== undefined ? '--qemu-cmdline' : '--libvirt-xml'}: ${vm.machine === 'virt' ? `-machine virt with ${fw.source}, which is not an ArmVirtQemu (AAVMF) image` : `${fw.source} is an ArmVirtQemu (AAVMF) image: it runs on qemu-system-aarch64 -machine virt, not -machine ${vm.machine}`}`);
  }
  if (o.fwCfgFromQemu === true && isArmVirtImage(fw.code)) {
    const [{ virtFwCfgFiles }, { armVirtImage }] = await Promise.all([import('./fw-cfg-qemu.ts'), import('@tcg2sim/platform-armvirt')]);
    let measures = false;
    try {
      measures = measuresAcpiData(armVirtImage(fw.code));
    } catch (e) {
      if (!(e instanceof Tcg2Error)) throw e; // a broken image: the prediction reports it
    }
    if (!measures) fwCfg = { files: new Map(), note: '--fw-cfg-from-qemu: this build does not measure QEMU\'s ACPI blobs: QEMU not started' };
    else fwCfg = await virtFwCfgFiles(s, vm?.virt);
  } else if (o.fwCfgFromQemu === true) {
    const [{ vmFwCfgFiles }, booted] = await Promise.all([import('./fw-cfg-qemu.ts'), sec ?? decompressMemFvsAsync(fw.code)]);
    secReady = Promise.resolve(booted);
    // --qemu-cmdline / --libvirt-xml: QEMU reads the user's own line (its devices, placed as QEMU places them)
    const vmCmd = vm !== undefined ? { ...(await vmCommand(o)), cpu: vm.cpu } : undefined;
    fwCfg = measuresAcpiData(booted) ? await vmFwCfgFiles(s, booted, vmCmd) : { files: new Map(), note: '--fw-cfg-from-qemu: this build does not measure QEMU\'s ACPI blobs: QEMU not started' };
  } else if (isArmVirtImage(fw.code)) {
    // Without the flag on virt: QEMU 7.2's ACPI blobs modelled (fw-cfg-model-virt.ts) for a VM the
    // model covers; a VM without ACPI (acpi=off) has none to measure.
    if (vm?.virt?.acpi !== false) {
      const [{ modelledVirtFwCfgFiles }, { armVirtImage }] = await Promise.all([import('./fw-cfg-model-virt.ts'), import('@tcg2sim/platform-armvirt')]);
      let measures = false;
      try {
        measures = measuresAcpiData(armVirtImage(fw.code));
      } catch (e) {
        if (!(e instanceof Tcg2Error)) throw e; // a broken image: the prediction reports it
      }
      if (measures) {
        const m = modelledVirtFwCfgFiles(s, vm?.virt);
        fwCfg = 'uncovered' in m ? { files: new Map(), note: `QEMU's ACPI blobs are not modelled for this VM (${m.uncovered}): --fw-cfg-from-qemu reads your QEMU's` } : m;
      }
    }
  } else {
    // Without the flag: QEMU 7.2's blobs modelled (fw-cfg-model.ts) for a VM the model covers.
    const booted = await decompressedOrUndefined(sec ?? decompressMemFvsAsync(fw.code));
    if (booted !== undefined) secReady = Promise.resolve(booted);
    if (booted !== undefined && measuresAcpiData(booted)) {
      const m = await modelledFwCfgFiles(s, booted, vm !== undefined ? (await vmCommand(o)).cmd : false);
      fwCfg = 'uncovered' in m ? { files: new Map(), note: `QEMU's ACPI blobs are not modelled for this VM (${m.uncovered}): --fw-cfg-from-qemu reads your QEMU's` } : m;
    }
  }
  // verify's re-runs read the same ROM files: once.
  const readRom = romReader();
  const p = await predictScenario(s, { ...fw, sec: secReady }, { digestWorker: spareCore(), disk, machine: vmMachine, readRom, qemuBootOrder: vm?.qemuBootOrder, virtCpu: vm?.virt?.cpu, virtAcpi: vm?.virt?.acpi, virtAhci: vm?.virt?.ahciControllers, ...(fwCfg !== undefined && fwCfg.files.size > 0 ? { fwCfgFiles: fwCfg.files } : {}) });
  const booted = Promise.resolve(p.boot.sec);
  const rerun = (machine: Partial<MachineInput>): Promise<Prediction> => predictScenario(s, { ...fw, sec: booted }, { digestWorker: false, disk, machine: { ...vmMachine, ...machine }, tpm: 'soft', readRom, qemuBootOrder: vm?.qemuBootOrder, virtCpu: vm?.virt?.cpu, virtAcpi: vm?.virt?.acpi, virtAhci: vm?.virt?.ahciControllers, ...(fwCfg !== undefined && fwCfg.files.size > 0 ? { fwCfgFiles: fwCfg.files } : {}) });
  const rerunMachine = (machine: Partial<MachineInput>): MachineInput => scenarioMachine(s, { ...vmMachine, ...machine });
  return { p, source: fw.source, rerun, rerunMachine, vars: fw.vars, notes: [...vmNotes, ...(fwCfg !== undefined ? [fwCfg.note] : []), ...allNotes(s, fw, p)] };
}

/** A simulated boot and what it booted (for messages). */
export interface SimulatedBoot {
  readonly prediction: Prediction;
  /** The firmware: its path(s), or the embedded image's description. */
  readonly source: string;
}

/** {@link predictFromOptions} for callers that need only the prediction and its source. */
export async function simulateBoot(o: BootOptions, early: EarlyFirmware | undefined): Promise<SimulatedBoot> {
  const { p, source } = await predictFromOptions(o, early);
  return { prediction: p, source };
}
