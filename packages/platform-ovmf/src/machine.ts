import * as z from 'zod';

/**
 * The QEMU machine a boot runs on: what OVMF's PlatformPei reads from fw_cfg, CMOS, CPUID and
 * the host bridge. Defaults are QEMU 7.2's for `qemu-system-x86_64 -machine q35` under TCG.
 */
export const MachineDescription = z
  .strictObject({
    /** `q35` (MCH, host bridge 0x29C0) or `pc` (i440FX, host bridge 0x1237). */
    machine: z.enum(['q35', 'pc']).default('q35'),
    /** `-m` in MiB. */
    memoryMiB: z.number().int().min(128).max(16 * 1024 * 1024).default(512),
    /** `-smp cpus`: the boot CPU count fw_cfg reports. */
    cpus: z.number().int().min(1).max(4096).default(1),
    /** `-smp maxcpus`: possible CPUs (modern CPU hotplug interface); defaults to `cpus`. */
    maxCpus: z.number().int().min(1).max(4096).optional(),
    /** `-machine ...,smm=on` (required by SMM builds of OVMF). */
    smm: z.boolean().default(false),
    /** S3 advertised in fw_cfg `etc/system-states` (QEMU's default: enabled). */
    s3: z.boolean().default(true),
    /**
     * QEMU's default empty CD-ROM drive (q35 AHCI port 2, pc IDE secondary master): BDS makes a
     * boot option for it. `-nodefaults` (as libvirt runs QEMU) leaves it out.
     */
    defaultCdrom: z.boolean().default(true),
    /** CPUID facts PlatformPei uses for the physical address width. */
    cpu: z
      .strictObject({
        /** CPUID vendor string: qemu64 under TCG reports AuthenticAMD. */
        vendor: z.string().default('AuthenticAMD'),
        /** CPUID 0x80000008 EAX[7:0]; QEMU's default phys-bits is 40. */
        physBits: z.number().int().min(32).max(52).default(40),
        /** CPUID 0x80000001 EDX bit 26 (pdpe1gb); qemu64 lacks it. */
        page1g: z.boolean().default(false),
      })
      .default({ vendor: 'AuthenticAMD', physBits: 40, page1g: false }),
    /** Bytes of fw_cfg `etc/msr_feature_control`, when QEMU exposes it (VMX/SMX/LMCE CPUs). */
    msrFeatureControl: z.bigint().optional(),
  })
  .readonly();
export type MachineDescription = z.infer<typeof MachineDescription>;
/** Input form: every field optional. */
export type MachineInput = z.input<typeof MachineDescription>;

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Guest RAM split around the 32-bit PCI hole, as QEMU 7.2 lays it out (fw_cfg etc/e820). */
export interface RamLayout {
  /** RAM below 4 GiB, in bytes. */
  readonly belowFourG: number;
  /** RAM at and above 4 GiB, in bytes. */
  readonly aboveFourG: bigint;
}

/**
 * QEMU 7.2's low/high RAM split. q35 (`pc_q35_init`): low memory ends at 0xB0000000 unless RAM
 * reaches that, in which case it ends at 2 GiB. pc (`pc_init1`): max-ram-below-4g defaults to
 * 0xE0000000, lowered to 3 GiB for gigabyte alignment when RAM reaches it.
 */
export function ramLayout(m: MachineDescription): RamLayout {
  const ram = m.memoryMiB * MiB;
  let lowmem: number;
  if (m.machine === 'q35') {
    lowmem = ram >= 0xb0000000 ? 0x80000000 : 0xb0000000;
  } else {
    lowmem = 0xe0000000;
    if (ram >= lowmem) lowmem = 0xc0000000;
  }
  if (ram >= lowmem) return { belowFourG: lowmem, aboveFourG: BigInt(ram - lowmem) };
  return { belowFourG: ram, aboveFourG: 0n };
}

export { MiB, GiB };
