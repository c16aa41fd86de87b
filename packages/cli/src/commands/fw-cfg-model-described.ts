/**
 * predict without --fw-cfg-from-qemu for a VM from --qemu-cmdline/--libvirt-xml: what QEMU 7.2's
 * ACPI (and SMBIOS) model needs from the command line, or why the line is outside the model.
 * Covered: `-machine q35|pc|pc-q35-7.2|pc-i440fx-7.2` (usb=off) under TCG with the default CPU
 * qemu64, an SMP topology of powers of two (contiguous APIC IDs), tpm-tis/tpm-crb,
 * `-global ICH9-LPC|PIIX4_PM.disable_s3|disable_s4`, QEMU's default devices or -nodefaults, at
 * most one serial port (COM1: -serial, isa-serial index 0), and PCI devices the device model knows
 * (@tcg2sim/qemu-fwcfg QEMU72_PCI_DEVICES) on bus 0 or behind pcie-root-ports, with properties
 * that do not change what the firmware or the ACPI tables see. Every other option that can
 * change the tables (another machine version, -no-hpet, -parallel, -vga, -smbios, -acpitable,
 * device properties such as acpi-index or a root port's reservations, …) leaves the VM uncovered.
 */
import { describeQemuCommand, walkOptions } from '@tcg2sim/qemu-config';
import type { DeviceConfig, ShellCommand, VmDescription } from '@tcg2sim/qemu-config';
import { QEMU72_PCI_DEVICES } from '@tcg2sim/qemu-fwcfg';
import type { Qemu72PciDevice } from '@tcg2sim/qemu-fwcfg';
import type { SerialPort } from '@tcg2sim/qemu-acpi';

/** What the model takes from the line. */
export interface DescribedVm {
  readonly defaultDevices: boolean;
  readonly serialPort: SerialPort;
  readonly s3Disabled: boolean;
  readonly s4Disabled: boolean;
  /** -machine …,smm=off. */
  readonly smmDisabled: boolean;
  /** smm= not given (QEMU's auto: on under TCG). */
  readonly smmAuto: boolean;
  /** The PCI devices beyond the chipset's and the default VGA, in creation order. */
  readonly devices: readonly Qemu72PciDevice[];
  /** -uuid, -smbios or a topology other than one CPU per socket (SMBIOS differs then). */
  readonly smbiosChanged: boolean;
}

/** Options without effect on QEMU's ACPI and SMBIOS tables (or read from the description). */
const NEUTRAL_OPTIONS = new Set([
  '-name', '-S', '-object', '-blockdev', '-drive', '-machine', '-M', '-accel', '-cpu', '-m', '-smp', '-display', '-no-user-config', '-nodefaults',
  '-chardev', '-mon', '-monitor', '-qmp', '-rtc', '-no-shutdown', '-no-reboot', '-global', '-boot', '-device', '-netdev', '-net', '-nic', '-tpmdev', '-audiodev',
  '-sandbox', '-msg', '-overcommit', '-serial', '-uuid', '-bios', '-L', '-enable-kvm', '-vnc', '-k', '-daemonize', '-pidfile', '-D', '-d', '-snapshot',
]);
const BUILT_IN = new Set(['mch', 'ICH9-LPC', 'ich9-ahci', 'ICH9-SMB', 'i440FX', 'PIIX3', 'piix3-ide', 'PIIX4_PM']);
/** Devices off the PCI bus that add nothing to the ACPI tables. */
const NO_ACPI = new Set(['virtserialport', 'virtconsole', 'usb-tablet', 'usb-kbd', 'usb-mouse', 'ide-hd', 'ide-cd', 'scsi-hd', 'scsi-cd', 'scsi-block', 'tpm-tis', 'tpm-crb']);
/** -device properties that change neither the configuration space OVMF sees beyond ROM contents nor the tables. */
const NEUTRAL_PROPS = new Set([
  'driver', 'id', 'bus', 'addr', 'multifunction', 'netdev', 'mac', 'drive', 'bootindex', 'serial', 'chassis', 'port', 'romfile', 'rombar', 'rng', 'tpmdev',
  'chardev', 'nr', 'name', 'index', 'scsi-id', 'lun', 'channel', 'unit',
]);
const POW2 = (n: number | undefined): boolean => n === undefined || (Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0);

function pciPath(d: DeviceConfig): Array<{ dev: number; fn: number }> | undefined {
  const t = d.pci?.devicePath;
  if (t === undefined || !t.startsWith('PciRoot(0x0)')) return undefined;
  const nodes = [...t.matchAll(/Pci\(0x([0-9a-fA-F]+),0x([0-9a-fA-F]+)\)/g)].map((m) => ({ dev: Number.parseInt(m[1] ?? '', 16), fn: Number.parseInt(m[2] ?? '', 16) }));
  return nodes.length === (t.match(/Pci\(/g) ?? []).length ? nodes : undefined;
}

/** The model's view of `d`, or why it is not covered. */
export function describedVm(cmd: ShellCommand, d: VmDescription = describeQemuCommand(cmd)): DescribedVm | { readonly uncovered: string } {
  const no = (why: string): { uncovered: string } => ({ uncovered: why });
  const m = d.machine;
  if (m.family === 'virt' || (m.version !== undefined && m.version !== '7.2')) return no(`machine ${m.name} (QEMU 7.2's pc-q35-7.2/pc-i440fx-7.2 are modelled)`);
  if (m.usb) return no('the machine\'s USB controller (usb=on)');
  const extraProps = Object.keys(m.properties).filter((k) => !['usb', 'smm', 'dump-guest-core', 'memory-backend', 'pflash0', 'pflash1', 'accel', 'mem-merge'].includes(k));
  if (extraProps.length > 0) return no(`-machine ${extraProps.join(',')}`);
  if (d.accel !== 'tcg') return no(`-accel ${d.accel} (TCG is modelled)`);
  if (d.cpu.model !== 'qemu64' || Object.keys(d.cpu.features).length > 0) return no(`-cpu ${d.cpu.model} (QEMU's default qemu64 is modelled)`);
  const s = d.smp;
  if (![s.sockets, s.dies, s.cores, s.threads].every(POW2)) return no('an SMP topology that is not powers of two (APIC IDs with gaps)');
  if (d.tpm === undefined || (d.tpm.model !== 'tpm-tis' && d.tpm.model !== 'tpm-crb')) return no('no tpm-tis/tpm-crb');
  const pm = m.family === 'q35' ? 'ICH9-LPC' : 'PIIX4_PM';
  let s3Disabled = false;
  let s4Disabled = false;
  for (const g of d.globals) {
    const on = g.value === '1' || g.value === 'on' || g.value === 'true';
    // the flash's secure property (every SMM secboot VM's) is no ACPI matter: QEMU's tables do not describe the pflash
    if (g.driver === 'cfi.pflash01' && g.property === 'secure') continue;
    if (g.driver !== pm || (g.property !== 'disable_s3' && g.property !== 'disable_s4') || !(on || ['0', 'off', 'false'].includes(g.value))) return no(`-global ${g.driver}.${g.property}=${g.value}`);
    if (g.property === 'disable_s3') s3Disabled = on;
    else s4Disabled = on;
  }
  const { options } = walkOptions(cmd);
  const odd = options.find((o) => !NEUTRAL_OPTIONS.has(o.name));
  if (odd !== undefined) return no(`${odd.name} (not modelled for QEMU's ACPI tables)`);
  const serials = options.filter((o) => o.name === '-serial');
  const serialDevices = d.devices.filter((x) => x.driver === 'isa-serial');
  if (serials.length > 1 || serialDevices.length > 1 || (serials.length > 0 && serialDevices.length > 0)) return no('more than one serial port');
  if (serialDevices.some((x) => !(x.props['index'] === undefined || x.props['index'] === 0 || x.props['index'] === '0'))) return no('a serial port other than COM1');
  const defaultDevices = !d.nodefaults;
  // an isa-serial -device is described before the machine's ISA devices, newest -device first
  const serialAt = d.devices.findIndex((x) => x.driver === 'isa-serial');
  const serialPort: SerialPort = serialAt >= 0 ? (serialAt > d.devices.findIndex((x) => x.driver === 'tpm-tis') ? 'device-after-tpm' : 'device-before-tpm')
    : serials.length > 0 ? serials[0]?.raw !== 'none' : defaultDevices;
  // capture (and --fw-cfg-from-qemu's reading) give a VM without one a serial console: which VM is meant is not the model's to choose
  if (serialPort === false) return no('no serial port (tcg2sim capture and --fw-cfg-from-qemu add -serial stdio)');
  const devices: Qemu72PciDevice[] = [];
  for (const x of d.devices) {
    if (BUILT_IN.has(x.driver) || NO_ACPI.has(x.driver) || x.driver === 'isa-serial') continue;
    if (x.driver === 'VGA' && x.implicit && defaultDevices) continue;
    if (QEMU72_PCI_DEVICES[x.driver] === undefined) return no(`-device ${x.driver} (no device model)`);
    const props = x.implicit ? [] : Object.keys(x.props).filter((k) => !NEUTRAL_PROPS.has(k));
    if (props.length > 0) return no(`-device ${x.driver},${props.join(',')}`);
    const path = pciPath(x);
    if (path === undefined) return no(`-device ${x.driver} without a PCI location`);
    devices.push({ driver: x.driver, path });
  }
  const smbiosChanged = options.some((o) => o.name === '-uuid') || (s.cores ?? 1) > 1 || (s.threads ?? 1) > 1 || (s.dies ?? 1) > 1;
  return { defaultDevices, serialPort, s3Disabled, s4Disabled, smmDisabled: m.smm === false, smmAuto: m.smm === undefined, devices, smbiosChanged };
}
