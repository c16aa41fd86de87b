/**
 * A QEMU command line (program and arguments) into a {@link VmDescription}: machine, memory,
 * CPUs, accelerator, globals, boot and fw_cfg here; firmware, drives, devices and the TPM in
 * build-devices.ts.
 */
import { QemuConfigError } from './errors.ts';
import { QEMU_OPTIONS, optionName } from './option-table.ts';
import type { OptionSpec } from './option-table.ts';
import { optionText, parseOptionArgument, parseSize, propBool, propInt, propString } from './option-syntax.ts';
import type { ParsedOption, PropObject } from './option-syntax.ts';
import { parseShellCommand } from './shell-words.ts';
import type { ShellCommand } from './shell-words.ts';
import type { BootConfig, CpuConfig, FwCfgItem, GlobalProperty, MachineConfig, Origin, SmpConfig, Unmodelled, VmDescription } from './vm-description.ts';
import { buildDevices } from './build-devices.ts';

/** An option with its spec, as the walk found it. */
export interface WalkedOption extends ParsedOption {
  readonly spec: OptionSpec;
}

export function originOf(o: Pick<ParsedOption, 'name' | 'raw' | 'offset'>): Origin {
  return { text: optionText(o), offset: o.offset };
}

/**
 * The options of a command line, each with its argument parsed.
 * @throws QemuConfigError('BAD_OPTION') for an unknown option or a missing argument
 */
export function walkOptions(cmd: ShellCommand): { options: WalkedOption[]; unmodelled: Unmodelled[] } {
  const options: WalkedOption[] = [];
  const unmodelled: Unmodelled[] = [];
  const args = cmd.args;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === undefined) break;
    const name = optionName(w.text);
    if (name === undefined) {
      unmodelled.push({ origin: { text: w.text, offset: w.offset }, reason: 'a word that is not an option is a disk image for QEMU (-hda); disks other than the modelled virtio-blk are not modelled' });
      continue;
    }
    const spec = QEMU_OPTIONS.get(name);
    const where = `-${name} (offset ${w.offset})`;
    if (spec === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: not a QEMU option tcg2sim knows, so it cannot tell whether it changes measurements`, { where, offset: w.offset });
    let raw: string | undefined;
    if (spec.arg) {
      const a = args[i + 1];
      if (a === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: needs an argument`, { where, offset: w.offset });
      raw = a.text;
      i++;
    }
    const whereArg = raw === undefined ? where : `${optionText({ name: `-${name}`, raw })} (offset ${w.offset})`;
    const parsed = raw === undefined || name === 'cpu' || name === 'global' || name === 'bios' || name === 'pflash' || name === 'L' || spec.role !== 'modelled'
      ? { props: {}, json: false }
      : parseOptionArgument(raw, { implied: spec.implied, json: spec.json === true, where: whereArg });
    const o: WalkedOption = { name: `-${name}`, raw, offset: w.offset, props: parsed.props, json: parsed.json, spec };
    if (spec.role === 'unsupported') unmodelled.push({ origin: originOf(o), reason: spec.why ?? 'changes measurements' });
    options.push(o);
  }
  return { options, unmodelled };
}

function whereOf(o: ParsedOption): string {
  return `${optionText(o)} (offset ${o.offset})`;
}

function machineOf(opts: readonly WalkedOption[]): MachineConfig {
  const merged: Record<string, string> = {};
  let origin: Origin = { text: '(default machine)', offset: undefined };
  for (const o of opts) {
    if (o.name !== '-machine' && o.name !== '-M') continue;
    for (const [k, v] of Object.entries(o.props)) if (typeof v !== 'object') merged[k] = String(v);
    origin = originOf(o);
  }
  const name = merged['type'] ?? 'pc';
  let family: MachineConfig['family'];
  let version: string | undefined;
  const q35 = /^pc-q35-(\d+\.\d+)$/.exec(name);
  const i440 = /^pc-i440fx-(\d+\.\d+)$/.exec(name);
  const virt = /^virt-(\d+\.\d+)$/.exec(name);
  if (q35?.[1] !== undefined) [family, version] = ['q35', q35[1]];
  else if (i440?.[1] !== undefined) [family, version] = ['pc', i440[1]];
  else if (virt?.[1] !== undefined) [family, version] = ['virt', virt[1]];
  else if (name === 'q35' || name === 'pc' || name === 'virt') [family, version] = [name, undefined];
  else throw new QemuConfigError('NOT_MODELLED', `${origin.text}: machine ${JSON.stringify(name)} is not modelled (q35, pc, virt and their pc-q35-X.Y / pc-i440fx-X.Y / virt-X.Y names are)`, { where: origin.text, ...(origin.offset !== undefined ? { offset: origin.offset } : {}) });
  const where = origin.text;
  const props: PropObject = merged;
  const smmRaw = merged['smm'];
  const smm = smmRaw === undefined || smmRaw === 'auto' ? undefined : propBool(props, 'smm', where);
  const usb = (propBool(props, 'usb', where) ?? false) || opts.some((o) => o.name === '-usb');
  const properties = { ...merged };
  delete properties['type'];
  return { name, family, version, smm, usb, properties, origin };
}

const MiB = 1n << 20n;

function memoryOf(opts: readonly WalkedOption[], unmodelled: Unmodelled[]): number {
  const o = opts.findLast((x) => x.name === '-m');
  if (o === undefined) return 128; // QEMU's default -m
  const where = whereOf(o);
  const size = o.props['size'];
  if (size === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: no size`, { where, offset: o.offset });
  const bytes = parseSize(size, where, MiB);
  if (bytes % MiB !== 0n || bytes === 0n) throw new QemuConfigError('BAD_OPTION', `${where}: memory must be a whole number of MiB`, { where, offset: o.offset });
  if (bytes / MiB > 1n << 24n) throw new QemuConfigError('BAD_OPTION', `${where}: memory beyond 16 TiB`, { where, offset: o.offset });
  const maxmem = o.props['maxmem'];
  if (maxmem !== undefined && parseSize(maxmem, where, MiB) > bytes) {
    unmodelled.push({ origin: originOf(o), reason: 'maxmem reserves hot-pluggable memory (fw_cfg etc/reserved-memory-end), which moves the 64-bit PCI window PlatformPei sets up (PCR0)' });
  }
  return Number(bytes / MiB);
}

function smpOf(opts: readonly WalkedOption[]): SmpConfig {
  const o = opts.findLast((x) => x.name === '-smp');
  if (o === undefined) return { cpus: 1, maxCpus: 1, sockets: undefined, dies: undefined, cores: undefined, threads: undefined };
  const where = whereOf(o);
  const n = (k: string): number | undefined => {
    const v = propInt(o.props, k, where, 4096);
    if (v === 0) throw new QemuConfigError('BAD_OPTION', `${where}: ${k} must be at least 1`, { where, offset: o.offset });
    return v;
  };
  const [cpus, maxcpus, sockets, dies, clusters, cores, threads] = ['cpus', 'maxcpus', 'sockets', 'dies', 'clusters', 'cores', 'threads'].map(n);
  const topology = sockets !== undefined && cores !== undefined && threads !== undefined ? sockets * (dies ?? 1) * (clusters ?? 1) * cores * threads : undefined;
  const maxCpus = maxcpus ?? topology ?? cpus ?? 1;
  const boot = cpus ?? maxCpus;
  if (boot > maxCpus) throw new QemuConfigError('BAD_OPTION', `${where}: cpus ${boot} > maxcpus ${maxCpus}`, { where, offset: o.offset });
  if (maxCpus > 4096) throw new QemuConfigError('BAD_OPTION', `${where}: more than 4096 CPUs`, { where, offset: o.offset });
  return { cpus: boot, maxCpus, sockets, dies, cores, threads };
}

/** Splits a comma list with `,,` as a literal comma. */
export function splitCommaList(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === ',' && raw.charAt(i + 1) === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function cpuOf(opts: readonly WalkedOption[]): CpuConfig {
  const o = opts.findLast((x) => x.name === '-cpu');
  if (o?.raw === undefined) return { model: 'qemu64', features: {}, origin: { text: '(default -cpu qemu64)', offset: undefined } };
  const [model = '', ...rest] = splitCommaList(o.raw);
  if (!/^[A-Za-z0-9_.-]+$/.test(model)) throw new QemuConfigError('BAD_OPTION', `${whereOf(o)}: bad CPU model ${JSON.stringify(model)}`, { where: whereOf(o), offset: o.offset });
  const features: Record<string, string | boolean> = {};
  for (const f of rest) {
    if (f.startsWith('+') || f.startsWith('-')) features[f.slice(1)] = f.startsWith('+');
    else {
      const eq = f.indexOf('=');
      if (eq < 0) features[f] = true;
      else features[f.slice(0, eq)] = f.slice(eq + 1);
    }
  }
  return { model, features, origin: originOf(o) };
}

function globalsOf(opts: readonly WalkedOption[]): GlobalProperty[] {
  const out: GlobalProperty[] = [];
  for (const o of opts) {
    if (o.name !== '-global' || o.raw === undefined) continue;
    const where = whereOf(o);
    let driver: string | undefined;
    let property: string | undefined;
    let value: string | undefined;
    if (/^driver=/.test(o.raw)) {
      const p = parseOptionArgument(o.raw, { implied: undefined, json: false, where }).props;
      [driver, property, value] = [propString(p, 'driver'), propString(p, 'property'), propString(p, 'value')];
    } else {
      const m = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(o.raw);
      if (m !== null) [, driver, property, value] = m;
    }
    if (driver === undefined || property === undefined || value === undefined) throw new QemuConfigError('BAD_OPTION', `${where}: expected DRIVER.PROPERTY=VALUE or driver=,property=,value=`, { where, offset: o.offset });
    out.push({ driver, property, value, origin: originOf(o) });
  }
  return out;
}

function bootOf(opts: readonly WalkedOption[]): BootConfig {
  const o = opts.findLast((x) => x.name === '-boot');
  if (o === undefined) return { order: undefined, once: undefined, menu: undefined, strict: undefined, origin: undefined };
  const where = whereOf(o);
  return { order: propString(o.props, 'order'), once: propString(o.props, 'once'), menu: propBool(o.props, 'menu', where), strict: propBool(o.props, 'strict', where), origin: originOf(o) };
}

function fwCfgOf(opts: readonly WalkedOption[]): FwCfgItem[] {
  return opts
    .filter((o) => o.name === '-fw_cfg')
    .map((o) => {
      const name = propString(o.props, 'name');
      if (name === undefined || name === '') throw new QemuConfigError('BAD_OPTION', `${whereOf(o)}: no name=`, { where: whereOf(o), offset: o.offset });
      return { name, file: propString(o.props, 'file'), string: propString(o.props, 'string'), origin: originOf(o) };
    });
}

function accelOf(opts: readonly WalkedOption[], machine: MachineConfig): string {
  const a = opts.find((o) => o.name === '-accel');
  if (a !== undefined) return propString(a.props, 'accel') ?? 'tcg';
  if (opts.some((o) => o.name === '-enable-kvm')) return 'kvm';
  const m = machine.properties['accel'];
  return m !== undefined ? (m.split(':')[0] ?? 'tcg') : 'tcg';
}

/** `-no-acpi` (QEMU 7.2: the same as `-machine acpi=off`), where given. */
function noAcpiOf(opts: readonly WalkedOption[]): Origin | undefined {
  const o = opts.find((x) => x.name === '-no-acpi');
  return o === undefined ? undefined : originOf(o);
}

/**
 * The description of a split command line.
 * @throws QemuConfigError
 */
export function describeQemuCommand(cmd: ShellCommand): VmDescription {
  const { options, unmodelled } = walkOptions(cmd);
  const machine = machineOf(options);
  const memoryMiB = memoryOf(options, unmodelled);
  const devices = buildDevices(options, machine);
  return {
    program: cmd.program.text,
    env: Object.fromEntries(cmd.env),
    machine,
    memoryMiB,
    smp: smpOf(options),
    cpu: cpuOf(options),
    accel: accelOf(options, machine),
    globals: globalsOf(options),
    firmware: devices.firmware,
    tpm: devices.tpm,
    devices: devices.devices,
    boot: bootOf(options),
    fwCfg: fwCfgOf(options),
    nodefaults: options.some((o) => o.name === '-nodefaults'),
    noAcpi: noAcpiOf(options),
    dataDirs: options.filter((o) => o.name === '-L' && o.raw !== undefined).map((o) => o.raw ?? ''),
    unmodelledOptions: unmodelled,
  };
}

/**
 * Parses a QEMU command line as libvirt logs it, `ps` shows it or a shell would run it.
 * @throws QemuConfigError
 */
export function parseQemuCommandLine(text: string): VmDescription {
  return describeQemuCommand(parseShellCommand(text));
}
