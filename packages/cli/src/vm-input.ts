/**
 * `--qemu-cmdline` and `--libvirt-xml`: the VM of a prediction described the way users have it
 * (@tcg2sim/qemu-config), mapped onto predict's inputs. Everything that changes measurements and
 * is not modelled is a usage error naming the option (exit 2).
 */
import { readFileSync, statSync } from 'node:fs';
import { QemuConfigError, describeQemuCommand, mapToPredict, parseShellCommand, requirePredictable } from '@tcg2sim/qemu-config';
import type { PredictInput, ShellCommand } from '@tcg2sim/qemu-config';
import { UsageError } from './errors.ts';

/** Largest domain XML read (libvirt's are a few KiB). */
const MAX_XML_BYTES = 4 << 20;

/** The flags whose value the VM description gives: naming one with it is a usage error. */
const FROM_VM = ['code', 'vars', 'bios', 'machine', 'memory', 'cpus', 'smm', 'tpmInterface', 'disk', 'diskInterface', 'nic', 'scenario'] as const;

function flagName(k: string): string {
  return `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The command line of `--qemu-cmdline TEXT` or `--libvirt-xml FILE`, as a split command. */
export async function vmCommand(o: { qemuCmdline?: string | undefined; libvirtXml?: string | undefined }): Promise<{ cmd: ShellCommand; flag: string }> {
  if (o.qemuCmdline !== undefined && o.libvirtXml !== undefined) throw new UsageError('--qemu-cmdline and --libvirt-xml are exclusive');
  try {
    if (o.qemuCmdline !== undefined) return { cmd: parseShellCommand(o.qemuCmdline), flag: '--qemu-cmdline' };
    const file = o.libvirtXml ?? '';
    let size: number;
    try {
      size = statSync(file).size;
    } catch (e) {
      throw new UsageError(`--libvirt-xml ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    if (size > MAX_XML_BYTES) throw new UsageError(`--libvirt-xml ${file}: ${size} bytes, more than the ${MAX_XML_BYTES} taken`);
    const { domainToQemuCommand } = await import('@tcg2sim/qemu-config/libvirt');
    return { cmd: domainToQemuCommand(readFileSync(file, 'utf8'), file), flag: `--libvirt-xml ${file}` };
  } catch (e) {
    if (e instanceof QemuConfigError) throw new UsageError(`${o.qemuCmdline !== undefined ? '--qemu-cmdline' : `--libvirt-xml ${o.libvirtXml ?? ''}`}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * predict's inputs from `--qemu-cmdline`/`--libvirt-xml`, or undefined when neither is given.
 * @throws UsageError for a flag the description already gives, bad input or an unmodelled VM
 */
export async function vmPredictInput(o: object & { qemuCmdline?: string | undefined; libvirtXml?: string | undefined }, note: (line: string) => void = () => undefined): Promise<PredictInput | undefined> {
  if (o.qemuCmdline === undefined && o.libvirtXml === undefined) return undefined;
  const given = new Map<string, unknown>(Object.entries(o));
  for (const k of FROM_VM) if (given.get(k) !== undefined) throw new UsageError(`${flagName(k)}: the VM comes from ${o.qemuCmdline !== undefined ? '--qemu-cmdline' : '--libvirt-xml'}; give it there`);
  if (given.get('s3') === false) throw new UsageError(`--no-s3: the VM comes from ${o.qemuCmdline !== undefined ? '--qemu-cmdline (-global ICH9-LPC.disable_s3=1)' : "--libvirt-xml (<pm><suspend-to-mem enabled='no'/></pm>)"}; give it there`);
  const { cmd, flag } = await vmCommand(o);
  try {
    const d = describeQemuCommand(cmd);
    const input = requirePredictable(d);
    for (const n of mapToPredict(d).notes) note(`${flag}: ${n}`);
    return input;
  } catch (e) {
    if (e instanceof QemuConfigError) throw new UsageError(`${flag}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** The scenario fields a VM description gives. */
export function scenarioFieldsOf(v: PredictInput): Record<string, unknown> {
  return {
    ...(v.firmware.kind === 'bios' ? { bios: v.firmware.bios } : { code: v.firmware.code, ...(v.firmware.vars !== undefined ? { vars: v.firmware.vars } : {}) }),
    ...(v.disk !== undefined ? { disk: v.disk } : {}),
    ...(v.disk !== undefined && v.diskInterface !== undefined ? { diskInterface: v.diskInterface } : {}),
    ...(v.disk !== undefined && v.diskPlacement !== undefined ? { diskPlacement: v.diskPlacement } : {}),
    ...(v.disk !== undefined && v.moreDisks !== undefined && v.moreDisks.length > 0
      ? { moreDisks: v.moreDisks.map((m) => ({ disk: m.file, diskInterface: m.iface, diskPlacement: { ...m.placement } })) }
      : {}),
    ...(v.nics !== undefined && v.nics.length > 0 ? { nics: v.nics.map((n) => ({ ...n })) } : {}),
    ...(v.devices !== undefined && v.devices.length > 0 ? { devices: v.devices.map((d) => ({ ...d })) } : {}),
    // virt: the image is ArmVirtQemu's (predict-boot.ts checks), whose model ignores the x86 machine
    ...(v.machine !== 'virt' ? { machine: v.machine } : {}),
    memoryMiB: v.memoryMiB,
    cpus: v.cpus,
    maxCpus: v.maxCpus,
    smm: v.smm,
    s3: v.s3,
    tpmInterface: v.tpmInterface,
  };
}
