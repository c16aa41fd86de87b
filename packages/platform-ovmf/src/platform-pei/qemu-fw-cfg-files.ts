/**
 * The fw_cfg file directory QEMU 7.2 offers the VM `tcg2sim capture` starts (-machine q35|pc,
 * RAM, CPUs, a TPM device on an swtpm, -net none, one serial port, QEMU's default devices), as
 * far as firmware that caches fw_cfg items reads it: every file's name, and the size of the files
 * whose size depends on the VM. Read over qtest from QEMU 7.2 (@tcg2sim/qemu-fwcfg
 * readQemuFwCfgFiles; the same directory at 512 and 5120 MiB, 1 to 4 CPUs, maxcpus, with and
 * without S3, tpm-tis and tpm-crb, a NIC): q35 has 16 files, pc 13 (no etc/smi/*); a TPM adds
 * etc/tpm/config (and gives etc/tpm/log its size), KVM with VMX etc/msr_feature_control. A TPM
 * is assumed: without one nothing is measured. Files a command line adds (`-boot splash-time=`:
 * etc/boot-menu-wait, not `menu=on` alone, `maxmem`: etc/reserved-memory-end, `-fw_cfg`, `bootindex` filling
 * bootorder) are not in the machine description: callers say so.
 */
import type { MachineDescription } from '../machine.ts';
import { ramLayout } from '../machine.ts';

/** One fw_cfg file: its size where the model knows it (undefined: present, size not modelled). */
export interface QemuFwCfgFile {
  readonly name: string;
  readonly size: number | undefined;
}

/** sizeof (struct e820_entry): base, length (8 bytes each) and type (4). */
const E820_ENTRY_SIZE = 20;

/**
 * QEMU's etc/e820 entries for `m`, in its order: RAM below 4 GiB, the AMD HyperTransport
 * reservation (machine types 7.1 on, AMD vCPU with 40 or more physical address bits), RAM above
 * 4 GiB: the entries PlatformPei's PlatformScanE820 turns into HOBs (pei-hob-list.ts).
 */
export function qemuE820EntryCount(m: MachineDescription): number {
  const hyperTransport = m.cpu.vendor === 'AuthenticAMD' && m.cpu.physBits >= 40;
  return 1 + (hyperTransport ? 1 : 0) + (ramLayout(m).aboveFourG > 0n ? 1 : 0);
}

/** The directory for `m`, in QEMU's (name) order. */
export function qemu72FwCfgFiles(m: MachineDescription): readonly QemuFwCfgFile[] {
  const files: QemuFwCfgFile[] = [
    { name: 'bios-geometry', size: 0 },
    // Empty without bootindex (QEMU passes the file, OVMF skips a zero-sized one).
    { name: 'bootorder', size: 0 },
    { name: 'etc/acpi/rsdp', size: 20 },
    { name: 'etc/acpi/tables', size: 131072 },
    { name: 'etc/boot-fail-wait', size: 4 },
    { name: 'etc/e820', size: E820_ENTRY_SIZE * qemuE820EntryCount(m) },
  ];
  if (m.msrFeatureControl !== undefined) files.push({ name: 'etc/msr_feature_control', size: 8 });
  files.push({ name: 'etc/smbios/smbios-anchor', size: undefined }, { name: 'etc/smbios/smbios-tables', size: undefined });
  if (m.machine === 'q35') {
    files.push({ name: 'etc/smi/features-ok', size: 1 }, { name: 'etc/smi/requested-features', size: 8 }, { name: 'etc/smi/supported-features', size: 8 });
  }
  files.push(
    // S0, S3 and S4 flags, whether S3 is enabled or not.
    { name: 'etc/system-states', size: 6 },
    { name: 'etc/table-loader', size: 4096 },
    { name: 'etc/tpm/config', size: 6 },
    { name: 'etc/tpm/log', size: 65536 },
    { name: 'genroms/kvmvapic.bin', size: 9216 }
  );
  return files;
}
