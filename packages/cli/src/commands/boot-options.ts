import type { Command } from 'commander';

/** The flags that describe the simulated boot, shared by `predict`, `reference` and `verify`. */
export interface BootOptions {
  readonly code?: string;
  readonly vars?: string;
  readonly bios?: string;
  readonly machine?: string;
  readonly memory?: string;
  readonly cpus?: string;
  readonly smm?: boolean;
  /** `--no-s3`: false (commander's default for a `--no-` flag is true, the scenario's value then stands). */
  readonly s3?: boolean;
  readonly tpmInterface?: string;
  readonly tpm?: string;
  readonly banks?: string;
  /** `--disk FILE`, repeatable: disks in command-line order. */
  readonly disk?: readonly string[];
  /** `--nic MODEL`, repeatable: NICs in order. */
  readonly nic?: readonly string[];
  readonly optionRomDir?: string;
  /** `--disk-interface KIND`: once for every disk, or once per --disk in order. */
  readonly diskInterface?: readonly string[];
  readonly imageBufferAddress?: string;
  readonly scenario?: string;
  readonly tcg2Config?: string;
  readonly tpmAutoDetection?: boolean;
  /** The VM as its whole QEMU command line (packages/qemu-config). */
  readonly qemuCmdline?: string;
  /** The VM as its libvirt domain XML file. */
  readonly libvirtXml?: string;
  /** predict: read QEMU's fw_cfg files for the VM from the installed QEMU (fw-cfg-qemu.ts). */
  readonly fwCfgFromQemu?: boolean;
}

/** A repeatable option's values in command-line order. */
function collect(value: string, previous: readonly string[] | undefined): readonly string[] {
  return [...(previous ?? []), value];
}

/** `help; more (default: X)`: the default stays last, as in every option's help. */
function withMore(help: string, more: string): string {
  const m = /^(.*) (\(default: [^)]*\))$/.exec(help);
  return m === null ? `${help}; ${more}` : `${m[1] ?? ''}; ${more} ${m[2] ?? ''}`;
}

/**
 * The options that describe the firmware, the VM and the TPM of a prediction: `predict`'s, and
 * those of every command that predicts the same way (reference, verify). With `matrix` (predict),
 * the image and bank flags repeat and the machine flags take comma lists.
 */
export function addBootOptions(cmd: Command, matrix = false): Command {
  // predict takes several configurations (a matrix): repeatable flags and comma lists; other commands one.
  const repeatable = (flags: string, help: string, more: string): Command => (matrix ? cmd.option(flags, withMore(help, more), collect) : cmd.option(flags, help));
  const lists = (help: string): string => (matrix ? withMore(help, 'a comma list for a matrix') : help);
  repeatable('--code <file>', 'OVMF_CODE*.fd, with --vars (without --vars: an empty variable store; without --code and --bios: the embedded firmware)', 'repeated: one configuration per image');
  repeatable('--vars <file>', 'OVMF_VARS*.fd variable store (read only)', 'repeated: paired with --code in order');
  repeatable('--bios <file>', 'a combined OVMF.fd image', 'repeated: one configuration per image');
  cmd
    .option('--machine <type>', lists('QEMU machine: q35 or pc (default: q35)'))
    .option('--memory <MiB>', lists('guest RAM in MiB (default: 512)'))
    .option('--cpus <n>', lists('vCPUs (default: 1)'))
    .option('--smm', 'machine with SMM (-machine q35,smm=on), needed by SMM builds')
    .option('--no-s3', 'machine without S3 (-global ICH9-LPC.disable_s3=1 or PIIX4_PM.disable_s3=1), needed by X64-PEI SMM builds before edk2-stable202308 (Debian 11/12 and Ubuntu 22.04 2 MiB OVMF_CODE.secboot.fd)')
    .option('--tpm-interface <kind>', lists('tis or crb (default: tis)'))
    .option('--tpm <backend>', lists('soft (in-process) or swtpm (default: soft)'))
    .option('--image-buffer-address <addr>', "EFI_IMAGE_LOAD_EVENT ImageLocationInMemory, the DXE allocator state (default: the per-build calibration)");
  repeatable('--banks <list>', 'PCR banks the TPM has active, e.g. sha256 or sha1,sha256 (default: sha1,sha256,sha384,sha512)', "repeated or ';'-separated: one configuration per bank set");
  return cmd
    .option('--nic <model>', 'a NIC (-netdev user -device MODEL): virtio-net-pci, e1000 or e1000e; repeat for more', collect)
    .option('--option-rom-dir <dir>', "where the NICs' option ROM files are (default: QEMU's data directories)")
    .option('--disk <file>', 'a raw GPT disk image (as QEMU -drive format=raw): BDS boots its \\EFI\\BOOT\\BOOTX64.EFI (BOOTAA64.EFI with an ArmVirtQemu image); repeat for more disks (attached in order, before the NICs)', collect)
    .option('--disk-interface <kind>', "the disks' controller: virtio (virtio-blk), nvme (serial tcg2simN), sata (AHCI port N) or scsi (virtio-scsi, target N); once for all disks, or once per --disk, paired in order (default: virtio)", collect)
    .option('--qemu-cmdline <line>', 'the VM as its whole QEMU command line (program first, shell-quoted, as libvirt logs it): firmware, machine, memory, CPUs, TPM and devices come from it')
    .option('--libvirt-xml <file>', 'the VM as its libvirt domain XML (libvirt 9.0 defaults for q35/pc)')
    .option('--fw-cfg-from-qemu', "builds that measure QEMU's ACPI blobs (edk2-stable202302 and later) or SMBIOS tables (202505 and later): read them for this VM from the installed QEMU (qtest, no firmware boot; needs swtpm); without it QEMU 7.2's are modelled for the VMs the model covers (disks, NICs, libvirt-shaped devices: docs/newer-ovmf.md; ArmVirtQemu on virt: docs/armvirt.md §8)")
    .option('--scenario <file>', 'a JSON or YAML scenario; flags override its fields')
    .option('--tcg2-config <variant>', "Tcg2ConfigPei: ovmf (Debian's image) or generic (SecurityPkg's, reads TCG2_CONFIGURATION from --vars) (default: ovmf)")
    .option('--no-tpm-auto-detection', 'generic Tcg2ConfigPei with PcdTpmAutoDetection FALSE (the variable alone selects the TPM)');
}
