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
  readonly tpmInterface?: string;
  readonly tpm?: string;
  readonly banks?: string;
  readonly disk?: string;
  readonly imageBufferAddress?: string;
  readonly scenario?: string;
  readonly tcg2Config?: string;
  readonly tpmAutoDetection?: boolean;
}

/** Declares the {@link BootOptions} flags on `cmd` (returned for chaining). */
export function addBootOptions(cmd: Command): Command {
  return cmd
    .option('--code <file>', 'OVMF_CODE*.fd, with --vars (without --vars: an empty variable store; without --code and --bios: the embedded firmware)')
    .option('--vars <file>', 'OVMF_VARS*.fd variable store (read only)')
    .option('--bios <file>', 'a combined OVMF.fd image')
    .option('--machine <type>', 'QEMU machine: q35 or pc (default: q35)')
    .option('--memory <MiB>', 'guest RAM in MiB (default: 512)')
    .option('--cpus <n>', 'vCPUs (default: 1)')
    .option('--smm', 'machine with SMM (-machine q35,smm=on), needed by SMM builds')
    .option('--tpm-interface <kind>', 'tis or crb (default: tis)')
    .option('--tpm <backend>', 'soft (in-process) or swtpm (default: soft)')
    .option('--image-buffer-address <addr>', "EFI_IMAGE_LOAD_EVENT ImageLocationInMemory, the DXE allocator state (default: the per-build calibration)")
    .option('--banks <list>', 'PCR banks the TPM has active, e.g. sha256 or sha1,sha256 (default: sha1,sha256,sha384,sha512)')
    .option('--disk <file>', 'a raw GPT disk image attached as -drive if=virtio,format=raw: BDS boots its \\EFI\\BOOT\\BOOTX64.EFI')
    .option('--scenario <file>', 'a JSON or YAML scenario; flags override its fields')
    .option('--tcg2-config <variant>', "Tcg2ConfigPei: ovmf (Debian's image) or generic (SecurityPkg's, reads TCG2_CONFIGURATION from --vars) (default: ovmf)")
    .option('--no-tpm-auto-detection', 'generic Tcg2ConfigPei with PcdTpmAutoDetection FALSE (the variable alone selects the TPM)');
}
