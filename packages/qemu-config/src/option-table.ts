/**
 * The QEMU 7.2 (qemu-system-x86_64) options tcg2sim knows: whether each takes an argument, the
 * implied key of its first element, whether it takes the JSON form, and what it means for a
 * measured boot. An option not listed is an error: without knowing whether it takes an
 * argument the rest of the line cannot be read, and it might change a measurement.
 */

/** What an option means for measurements. */
export type OptionRole =
  /** Read into the VM description (machine, memory, devices, firmware, TPM…). */
  | 'modelled'
  /** Accepted silently: host-side plumbing (sockets, logs, display, sandbox…), no effect on what the firmware measures. */
  | 'inert'
  /** Changes what the firmware measures and is not modelled: an error naming the option. */
  | 'unsupported';

export interface OptionSpec {
  readonly arg: boolean;
  readonly implied?: string;
  readonly json?: boolean;
  readonly role: OptionRole;
  /** For 'unsupported': why it matters. */
  readonly why?: string;
}

const flag = (role: OptionRole, why?: string): OptionSpec => (why === undefined ? { arg: false, role } : { arg: false, role, why });
const arg = (role: OptionRole, extra: { implied?: string; json?: boolean; why?: string } = {}): OptionSpec => ({ arg: true, role, ...extra });

const DISK_WHY = 'a disk that is not the modelled virtio-blk (BDS creates a boot option for it: PCR1, and may boot it: PCR4)';

/** By option name without dashes. */
export const QEMU_OPTIONS: ReadonlyMap<string, OptionSpec> = new Map<string, OptionSpec>([
  // read into the description
  ['machine', arg('modelled', { implied: 'type' })],
  ['M', arg('modelled', { implied: 'type' })],
  ['m', arg('modelled', { implied: 'size' })],
  ['smp', arg('modelled', { implied: 'cpus' })],
  ['cpu', arg('modelled')],
  ['accel', arg('modelled', { implied: 'accel' })],
  ['enable-kvm', flag('modelled')],
  ['global', arg('modelled')],
  ['bios', arg('modelled')],
  ['pflash', arg('modelled')],
  ['drive', arg('modelled')],
  ['blockdev', arg('modelled', { json: true })],
  ['device', arg('modelled', { implied: 'driver', json: true })],
  ['netdev', arg('modelled', { implied: 'type', json: true })],
  ['nic', arg('modelled', { implied: 'type' })],
  ['net', arg('modelled', { implied: 'type' })],
  ['boot', arg('modelled', { implied: 'order' })],
  ['fw_cfg', arg('modelled', { implied: 'name' })],
  ['tpmdev', arg('modelled', { implied: 'type' })],
  ['nodefaults', flag('modelled')],
  ['no-acpi', flag('modelled')],
  ['vga', arg('modelled')],
  ['usb', flag('modelled')],
  ['L', arg('modelled')],
  ['object', arg('modelled', { implied: 'qom-type', json: true })],
  // host-side plumbing
  ...['name', 'uuid', 'chardev', 'mon', 'monitor', 'qmp', 'qmp-pretty', 'serial', 'parallel', 'display', 'rtc', 'overcommit', 'sandbox', 'msg', 'spice', 'vnc', 'k',
    'D', 'd', 'dfilter', 'trace', 'pidfile', 'runas', 'chroot', 'mem-path', 'add-fd', 'icount', 'echr', 'gdb', 'compat', 'action', 'g', 'plugin', 'seed',
    'semihosting-config', 'usbdevice', 'audio', 'watchdog-action', 'iothread'].map((n): [string, OptionSpec] => [n, arg('inert')]),
  ['audiodev', arg('inert', { json: true })],
  ...['S', 'snapshot', 'no-user-config', 'nodefconfig', 'no-hpet', 'no-reboot', 'no-shutdown', 'nographic', 'daemonize', 'full-screen', 'no-fd-bootchk', 'alt-grab',
    'ctrl-grab', 'win2k-hack', 'rtc-td-hack', 'only-migratable', 'preconfig', 's', 'portrait', 'no-quit', 'curses', 'sdl', 'enable-sync-profile', 'mem-prealloc',
    'singlestep', 'semihosting', 'no-frame', 'localtime'].map((n): [string, OptionSpec] => [n, flag('inert')]),
  // changes measurements, not modelled
  ['kernel', arg('unsupported', { why: 'direct kernel boot: OVMF loads and measures the kernel from fw_cfg (PCR4)' })],
  ['initrd', arg('unsupported', { why: 'direct kernel boot: the initrd is measured' })],
  ['append', arg('unsupported', { why: 'direct kernel boot: the command line is measured' })],
  ['dtb', arg('unsupported', { why: 'direct kernel boot' })],
  ['option-rom', arg('unsupported', { why: 'an option ROM: its EFI image is measured in PCR2' })],
  ['acpitable', arg('unsupported', { why: 'extra ACPI tables change what OVMF installs' })],
  ['smbios', arg('unsupported', { why: 'SMBIOS tables are not modelled' })],
  ['numa', arg('unsupported', { why: 'NUMA changes the memory map PlatformPei builds (PCR0)' })],
  ['xen-attach', flag('unsupported', 'Xen guests are not modelled')],
  ['xen-domid-restrict', flag('unsupported', 'Xen guests are not modelled')],
  ['incoming', arg('unsupported', { why: 'an incoming migration is not a boot' })],
  ['loadvm', arg('unsupported', { why: 'a restored snapshot is not a boot' })],
  ['readconfig', arg('unsupported', { why: 'a QEMU config file can add devices tcg2sim cannot see' })],
  ['set', arg('unsupported', { why: '-set changes devices tcg2sim cannot see' })],
  ['watchdog', arg('unsupported', { why: 'a watchdog device adds a PCI device (use -device to place it)' })],
  ['virtfs', arg('unsupported', { why: 'virtio-9p adds a PCI device with a file system BDS can see' })],
  ['fsdev', arg('unsupported', { why: 'virtio-9p back-end' })],
  ...['hda', 'hdb', 'hdc', 'hdd', 'cdrom', 'fda', 'fdb', 'sd', 'mtdblock'].map((n): [string, OptionSpec] => [n, arg('unsupported', { why: DISK_WHY })]),
  ...['xen-domid'].map((n): [string, OptionSpec] => [n, arg('unsupported', { why: 'Xen guests are not modelled' })]),
]);

/** The option's spec for a word (`-device`, `--device`), or undefined when the word is not an option. */
export function optionName(word: string): string | undefined {
  if (!word.startsWith('-') || word === '-' || word === '--') return undefined;
  return word.startsWith('--') ? word.slice(2) : word.slice(1);
}
