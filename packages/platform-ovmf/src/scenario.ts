import * as z from 'zod';
import { ConfigError } from './errors.ts';
import { DISK_INTERFACES } from './boot/disk-interfaces.ts';
import { parsePciPathText } from './boot/pci-path.ts';

const BANK = z.enum(['sha1', 'sha256', 'sha384', 'sha512']);
const NIC_MODEL = z.enum(['virtio-net-pci', 'e1000', 'e1000e']);
/** `PciRoot(0x0)/Pci(0x1,0x0)/Pci(0x0,0x0)`: a PCI function behind zero or more bridges. */
const PCI_PATH = z.string().max(200).refine((t) => parsePciPathText(t) !== undefined, { message: 'not a PciRoot(0x0)/Pci(D,F)/… device path' });
/** Where a disk's controller sits (explicit `bus=`/`addr=`, root ports), its AHCI port or SCSI target and NVMe serial. */
const DISK_PLACEMENT = z.strictObject({ pci: PCI_PATH, unit: z.number().int().min(0).max(255).optional(), serial: z.string().min(1).max(20).optional() });
/** A NIC placed as the command line says (`bus=`/`addr=`, `mac=`, `romfile=`). */
const PLACED_NIC = z.strictObject({
  model: NIC_MODEL,
  pciPath: PCI_PATH.optional(),
  mac: z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/).optional(),
  /** The ROM file (a name searched like QEMU's data directories, or a path). */
  romfile: z.string().min(1).optional(),
});

/**
 * One simulated boot (docs/architecture.md §3 "Scenario"): firmware files, machine, TPM interface and
 * backend, the PCR banks the TPM has active. JSON or YAML files and CLI flags map onto it.
 * Paths are relative to the scenario file's folder.
 */
export const Scenario = z
  .strictObject({
    /** OVMF_CODE*.fd; with `vars`. */
    code: z.string().min(1).optional(),
    /** OVMF_VARS*.fd (its contents are read; the file is never written). */
    vars: z.string().min(1).optional(),
    /** A combined image (OVMF.fd): code and variable store in one file. */
    bios: z.string().min(1).optional(),
    machine: z.enum(['q35', 'pc']).default('q35'),
    memoryMiB: z.number().int().min(128).max(16 * 1024 * 1024).default(512),
    cpus: z.number().int().min(1).max(4096).default(1),
    maxCpus: z.number().int().min(1).max(4096).optional(),
    smm: z.boolean().default(false),
    s3: z.boolean().default(true),
    tpmInterface: z.enum(['tis', 'crb']).default('tis'),
    tpm: z.enum(['soft', 'swtpm']).default('soft'),
    /** Banks the TPM has allocated (swtpm_setup --pcr-banks); default all four. */
    banks: z.array(BANK).min(1).max(4).default(['sha1', 'sha256', 'sha384', 'sha512']),
    /**
     * A raw GPT disk image attached as QEMU's `-drive if=virtio,format=raw,file=…` (or on the
     * controller `diskInterface` names): BDS boots its
     * `\EFI\BOOT\BOOTX64.EFI` (read only).
     */
    disk: z.string().min(1).optional(),
    /**
     * NICs in command-line order (`-netdev user,id=nN -device MODEL,netdev=nN`): QEMU's default
     * slot, MAC and iPXE option ROM (see @tcg2sim/qemu-vmm).
     */
    nics: z.array(z.union([NIC_MODEL, PLACED_NIC])).max(8).optional(),
    /**
     * The VM's other PCI devices (QEMU device model and location: root ports, qemu-xhci,
     * virtio-serial, balloon, rng, …): their drivers' allocations move ImageLocationInMemory.
     */
    devices: z.array(z.strictObject({ driver: z.string().min(1).max(64), pciPath: PCI_PATH })).max(256).optional(),
    /** Where the NICs' ROM files are (replaces QEMU's data directories). */
    optionRomDir: z.string().min(1).optional(),
    /** How `disk` is attached (QEMU controller, see boot/disk-interfaces.ts); default virtio. */
    diskInterface: z.enum(DISK_INTERFACES).optional(),
    /** Where the disk's controller sits (explicit `bus=`/`addr=`, root ports), its port/target and NVMe serial. */
    diskPlacement: DISK_PLACEMENT.optional(),
    /**
     * Disks attached after `disk`, in command-line order (each on its controller; the NICs come
     * after all disks), each placed as `diskPlacement` places `disk` when given.
     */
    moreDisks: z.array(z.strictObject({ disk: z.string().min(1), diskInterface: z.enum(DISK_INTERFACES).optional(), diskPlacement: DISK_PLACEMENT.optional() })).max(7).optional(),
    /**
     * The boot order as `bootindex` gives it (libvirt's `<boot order>`): devices first to last,
     * `disk0` = `disk`, `disk1` = the first of `moreDisks`, `nic0` = the first NIC. QEMU passes them
     * in its bootorder file and OVMF connects only those and puts their options first.
     */
    bootOrder: z.array(z.string().regex(/^(disk|nic)[0-7]$/, 'disk0..disk7 or nic0..nic7')).max(16).optional(),
    /** Which Tcg2ConfigPei runs: OVMF's (Debian's image) or SecurityPkg's generic one reading the store. */
    tcg2Config: z.enum(['ovmf', 'generic']).default('ovmf'),
    /** PcdTpmAutoDetection of the generic Tcg2ConfigPei. */
    tpmAutoDetection: z.boolean().default(true),
    /** Override of the EFI_IMAGE_LOAD_EVENT buffer address model (hex or decimal). */
    imageBufferAddress: z.string().regex(/^(0x[0-9a-fA-F]+|[0-9]+)$/).optional(),
  })
  .refine((s) => s.bios === undefined || (s.code === undefined && s.vars === undefined), {
    message: 'give either bios or code (+ vars), not both',
  })
  .refine((s) => s.moreDisks === undefined || s.moreDisks.length === 0 || s.disk !== undefined, {
    message: 'more disks need a first one (disk)',
    path: ['moreDisks'],
  })
  .refine((s) => (s.bootOrder ?? []).every((d, i, all) => all.indexOf(d) === i && (d.startsWith('disk')
    ? s.disk !== undefined && Number(d.slice(4)) <= (s.moreDisks?.length ?? 0)
    : Number(d.slice(3)) < (s.nics?.length ?? 0))), {
    message: 'names a device the VM does not have, or one twice',
    path: ['bootOrder'],
  })
  .refine((s) => s.diskInterface === undefined || s.disk !== undefined, {
    message: 'needs a disk (--disk)',
    path: ['diskInterface'],
  })
  .readonly();
export type Scenario = z.infer<typeof Scenario>;
export type ScenarioInput = z.input<typeof Scenario>;

/** Validates a scenario object; ConfigError with every issue otherwise. */
export function parseScenario(value: unknown, source = 'scenario'): Scenario {
  const r = Scenario.safeParse(value);
  if (!r.success) throw new ConfigError('BAD_SCENARIO', `${source}: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
  return r.data;
}
