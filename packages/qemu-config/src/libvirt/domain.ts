/**
 * libvirt domain XML into the QEMU command line libvirt 9.0 (Debian 12, with QEMU 7.2) would run
 * for it, which parse-argv.ts then reads like any other. The parts that matter for a boot are
 * reproduced: machine (q35/pc canonicalised to QEMU 7.2's pc-q35-7.2 / pc-i440fx-7.2), firmware
 * (<loader type='pflash'> and <nvram>, or type='rom' as -bios), memory, vCPUs and topology, CPU
 * mode, <features><smm>, <pm> as ICH9-LPC/PIIX4_PM disable_s3/disable_s4, <os><boot> and
 * per-device <boot order> as bootindex, and the devices with the controllers and addresses
 * libvirt adds (libvirt/devices.ts). Host plumbing (monitor sockets, tap file descriptors) is
 * written the way libvirt writes it, but does not matter here.
 */
import { QemuConfigError } from '../errors.ts';
import type { ShellCommand, ShellWord } from '../shell-words.ts';
import { all, first, parseXml } from './xml.ts';
import type { XmlElement } from './xml.ts';
import { domainDevices } from './devices.ts';

const UNITS: Readonly<Record<string, bigint>> = {
  b: 1n, bytes: 1n, KB: 1000n, k: 1024n, KiB: 1024n, MB: 1000n ** 2n, M: 1n << 20n, MiB: 1n << 20n,
  GB: 1000n ** 3n, G: 1n << 30n, GiB: 1n << 30n, TB: 1000n ** 4n, T: 1n << 40n, TiB: 1n << 40n,
};

/** A <memory unit='…'> value in bytes. */
function memoryBytes(e: XmlElement): bigint {
  const unit = e.attrs['unit'] ?? 'KiB';
  const mult = UNITS[unit];
  if (mult === undefined) throw new QemuConfigError('BAD_XML', `${e.path}: unknown unit ${JSON.stringify(unit)}`, { where: e.path });
  if (!/^\d{1,20}$/.test(e.text)) throw new QemuConfigError('BAD_XML', `${e.path}: not a whole number: ${JSON.stringify(e.text)}`, { where: e.path });
  return BigInt(e.text) * mult;
}

function count(e: XmlElement | undefined, attr: string | undefined, dflt: number): number {
  const v = e === undefined ? undefined : attr === undefined ? e.text : e.attrs[attr];
  if (v === undefined || v === '') return dflt;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1) throw new QemuConfigError('BAD_XML', `${e?.path ?? ''}: ${attr ?? 'value'} must be a positive whole number, got ${JSON.stringify(v)}`, { where: e?.path ?? '' });
  return Number(v);
}

/** The family and versioned name libvirt gives a machine attribute (QEMU 7.2's aliases). */
function machineName(type: XmlElement | undefined): { name: string; family: 'q35' | 'pc' | 'virt' } {
  const arch = type?.attrs['arch'];
  if (arch === 'aarch64') {
    // libvirt 9.0 canonicalises virt to QEMU 7.2's virt-7.2 (virsh domxml-to-native)
    const v = type?.attrs['machine'] ?? 'virt';
    if (v === 'virt') return { name: 'virt-7.2', family: 'virt' };
    if (/^virt-\d+\.\d+$/.test(v)) return { name: v, family: 'virt' };
    throw new QemuConfigError('NOT_MODELLED', `${type?.path ?? 'domain/os/type'}: aarch64 machine ${JSON.stringify(v)} is not modelled (virt and virt-X.Y are)`, { where: type?.path ?? '' });
  }
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'i686') throw new QemuConfigError('NOT_MODELLED', `${type?.path ?? 'domain/os/type'}: arch ${JSON.stringify(arch)} is not modelled (x86_64 and aarch64 are)`, { where: type?.path ?? '' });
  const m = type?.attrs['machine'] ?? 'pc';
  if (m === 'q35') return { name: 'pc-q35-7.2', family: 'q35' };
  if (m === 'pc') return { name: 'pc-i440fx-7.2', family: 'pc' };
  if (/^pc-q35-\d+\.\d+$/.test(m)) return { name: m, family: 'q35' };
  if (/^pc-i440fx-\d+\.\d+$/.test(m)) return { name: m, family: 'pc' };
  throw new QemuConfigError('NOT_MODELLED', `${type?.path ?? 'domain/os/type'}: machine ${JSON.stringify(m)} is not modelled (q35, pc and their versioned names are)`, { where: type?.path ?? '' });
}

function tristate(e: XmlElement | undefined, attr: string): boolean | undefined {
  const v = e?.attrs[attr];
  if (v === undefined) return undefined;
  if (v === 'yes' || v === 'on') return true;
  if (v === 'no' || v === 'off') return false;
  throw new QemuConfigError('BAD_XML', `${e?.path ?? ''}: ${attr} must be yes or no`, { where: e?.path ?? '' });
}

function jsonArg(o: Record<string, unknown>): string {
  return JSON.stringify(o);
}

/**
 * The QEMU command libvirt 9.0 would run for `xml`.
 * @throws QemuConfigError('BAD_XML' | 'NOT_MODELLED' | 'LIMIT_EXCEEDED')
 */
export function domainToQemuArgv(xml: string, source = 'domain XML'): { program: string; args: string[] } {
  const dom = parseXml(xml, source);
  if (dom.name !== 'domain') throw new QemuConfigError('BAD_XML', `${source}: the root element is <${dom.name}>, not <domain>`, { where: source });
  const name = first(dom, 'name')?.text ?? '';
  if (!/^[^/\0]{1,200}$/.test(name)) throw new QemuConfigError('BAD_XML', `${source}: domain/name missing or not a usable name`, { where: 'domain/name' });
  const os = first(dom, 'os');
  const type = first(os, 'type');
  const { name: machine, family } = machineName(type);
  const devicesEl = first(dom, 'devices');
  const virt = family === 'virt';
  const program = first(devicesEl, 'emulator')?.text ?? (virt ? '/usr/bin/qemu-system-aarch64' : '/usr/bin/qemu-system-x86_64');
  const accel = dom.attrs['type'] === 'kvm' ? 'kvm' : 'tcg';
  const features = first(dom, 'features');
  const smm = tristate(first(features, 'smm'), 'state');
  const vmport = tristate(first(features, 'vmport'), 'state');
  const args: string[] = ['-name', `guest=${name.replaceAll(',', ',,')},debug-threads=on`, '-S'];
  // firmware
  const loader = first(os, 'loader');
  const pflash = loader !== undefined && loader.attrs['type'] === 'pflash';
  const machineProps = [machine, 'usb=off'];
  if (vmport !== undefined && !virt) machineProps.push(`vmport=${vmport ? 'on' : 'off'}`);
  if (smm !== undefined && !virt) machineProps.push(`smm=${smm ? 'on' : 'off'}`);
  // virt under TCG: libvirt writes the GIC version, 2 unless <features><gic version='…'/>
  if (virt) machineProps.push(`gic-version=${gicVersion(first(features, 'gic'))}`);
  const ramId = virt ? 'mach-virt.ram' : 'pc.ram';
  machineProps.push('dump-guest-core=off', `memory-backend=${ramId}`);
  if (os?.attrs['firmware'] !== undefined && loader === undefined) {
    throw new QemuConfigError('NOT_MODELLED', `${os.path}: firmware='${os.attrs['firmware']}' auto-selection picks a firmware from the host's descriptors; give <loader> and <nvram> (virsh dumpxml of the defined domain shows them)`, { where: os.path });
  }
  if (pflash) {
    const nvram = first(os, 'nvram');
    const varsPath = nvram !== undefined && nvram.text !== '' ? nvram.text : `/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`;
    const units: Array<[string, boolean]> = [[loader.text, tristate(loader, 'readonly') ?? false], [varsPath, false]];
    units.forEach(([file, ro], i) => {
      args.push('-blockdev', jsonArg({ driver: 'file', filename: file, 'node-name': `libvirt-pflash${i}-storage`, 'auto-read-only': true, discard: 'unmap' }));
      args.push('-blockdev', jsonArg({ 'node-name': `libvirt-pflash${i}-format`, 'read-only': ro, driver: 'raw', file: `libvirt-pflash${i}-storage` }));
    });
    machineProps.push('pflash0=libvirt-pflash0-format', 'pflash1=libvirt-pflash1-format');
  }
  args.push('-machine', machineProps.join(','), '-accel', accel);
  // aarch64 without <cpu>: no -cpu (QEMU's virt default, the 32-bit cortex-a15)
  if (!virt || first(dom, 'cpu') !== undefined) args.push('-cpu', cpuArg(first(dom, 'cpu')));
  if (pflash && tristate(loader, 'secure') === true) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
  if (loader !== undefined && !pflash) args.push('-bios', loader.text);
  // memory
  const memEl = first(dom, 'memory');
  if (memEl === undefined) throw new QemuConfigError('BAD_XML', `${source}: no domain/memory`, { where: 'domain/memory' });
  const mem = memoryBytes(memEl);
  const MiB = 1n << 20n;
  const maxMem = first(dom, 'maxMemory');
  if (maxMem !== undefined) args.push('-m', `size=${mem / 1024n}k,slots=${count(maxMem, 'slots', 1)},maxmem=${memoryBytes(maxMem) / 1024n}k`);
  else args.push('-m', String((mem + MiB - 1n) / MiB));
  args.push('-object', jsonArg({ 'qom-type': 'memory-backend-ram', id: ramId, size: Number(mem) }), '-overcommit', 'mem-lock=off');
  args.push('-smp', smpArg(first(dom, 'vcpu'), first(first(dom, 'cpu'), 'topology')));
  const uuid = first(dom, 'uuid')?.text;
  if (uuid !== undefined) args.push('-uuid', uuid);
  if (all(devicesEl, 'graphics').length === 0) args.push('-display', 'none');
  args.push('-no-user-config', '-nodefaults', '-chardev', 'socket,id=charmonitor,fd=30,server=on,wait=off', '-mon', 'chardev=charmonitor,id=monitor,mode=control', '-rtc', 'base=utc', '-no-shutdown');
  const pm = first(dom, 'pm');
  const lpc = family === 'q35' ? 'ICH9-LPC' : 'PIIX4_PM';
  for (const [el, prop] of [['suspend-to-mem', 'disable_s3'], ['suspend-to-disk', 'disable_s4']] as const) {
    const en = tristate(first(pm, el), 'enabled');
    if (en !== undefined && !virt) args.push('-global', `${lpc}.${prop}=${en ? 0 : 1}`);
  }
  // aarch64 without <features><acpi/>: libvirt starts QEMU with -no-acpi
  if (virt && first(features, 'acpi') === undefined) args.push('-no-acpi');
  const menu = tristate(first(os, 'bootmenu'), 'enable');
  args.push('-boot', menu === true ? 'menu=on,strict=on' : 'strict=on');
  args.push(...domainDevices(dom, family));
  args.push('-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny', '-msg', 'timestamp=on');
  return { program, args };
}

function gicVersion(gic: XmlElement | undefined): string {
  const v = gic?.attrs['version'] ?? '2';
  if (!/^(2|3|host|max)$/.test(v)) throw new QemuConfigError('BAD_XML', `${gic?.path ?? ''}: gic version must be 2, 3, host or max`, { where: gic?.path ?? '' });
  return v;
}

function cpuArg(cpu: XmlElement | undefined): string {
  if (cpu === undefined) return 'qemu64';
  const mode = cpu.attrs['mode'] ?? 'custom';
  if (mode === 'host-passthrough' || mode === 'host-model') return 'host,migratable=on';
  const modelEl = first(cpu, 'model');
  const model = modelEl?.text ?? 'qemu64';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(model)) throw new QemuConfigError('BAD_XML', `${cpu.path}/model: bad CPU model ${JSON.stringify(model)}`, { where: cpu.path });
  // <model vendor_id='…'> and <maxphysaddr mode='emulate' bits='…'/> pin what PlatformPei reads
  const pins: string[] = [];
  const vendor = modelEl?.attrs['vendor_id'];
  if (vendor !== undefined) {
    if (!/^[\x21-\x7e]{12}$/.test(vendor)) throw new QemuConfigError('BAD_XML', `${cpu.path}/model: vendor_id must be 12 characters`, { where: cpu.path });
    pins.push(`vendor=${vendor}`);
  }
  const phys = first(cpu, 'maxphysaddr');
  if (phys?.attrs['mode'] === 'emulate') pins.push(`phys-bits=${count(phys, 'bits', 40)}`);
  else if (phys?.attrs['mode'] === 'passthrough') pins.push('host-phys-bits=on');
  const feats = all(cpu, 'feature').map((f) => {
    const n = f.attrs['name'] ?? '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(n)) throw new QemuConfigError('BAD_XML', `${f.path}: bad feature name`, { where: f.path });
    const off = f.attrs['policy'] === 'disable' || f.attrs['policy'] === 'forbid';
    return `${n}=${off ? 'off' : 'on'}`;
  });
  return [model, ...pins, ...feats].join(',');
}

function smpArg(vcpu: XmlElement | undefined, topo: XmlElement | undefined): string {
  const max = count(vcpu, undefined, 1);
  const cur = count(vcpu, 'current', max);
  const parts = [String(cur)];
  if (cur !== max) parts.push(`maxcpus=${max}`);
  if (topo !== undefined) parts.push(`sockets=${count(topo, 'sockets', 1)}`, `dies=${count(topo, 'dies', 1)}`, `cores=${count(topo, 'cores', 1)}`, `threads=${count(topo, 'threads', 1)}`);
  else parts.push(`sockets=${max}`, 'cores=1', 'threads=1');
  return parts.join(',');
}

/**
 * The domain as a split command (offsets are those of the words in the generated line).
 * @throws QemuConfigError
 */
export function domainToQemuCommand(xml: string, source = 'domain XML'): ShellCommand {
  const { program, args } = domainToQemuArgv(xml, source);
  let offset = program.length + 1;
  const words: ShellWord[] = args.map((text) => {
    const w = { text, offset };
    offset += text.length + 1;
    return w;
  });
  return { env: new Map(), program: { text: program, offset: 0 }, args: words };
}
