import { OVMF_2025_02_CHIPSET_STATE, OVMF_SMI_FEATURE_MASK, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { qemu72AcpiFiles } from '@tcg2sim/qemu-acpi';
import { ACPI_FILE_NAMES, expectSameAcpiFiles, qemuWithSwtpm } from './qemu72-truth.ts';

interface Shape {
  readonly machine: 'q35' | 'pc';
  readonly cpus: number;
  readonly maxCpus?: number;
  readonly mib: number;
  readonly tpm: 'tis' | 'crb';
  readonly smm: boolean;
  readonly noS3S4: boolean;
  readonly nodefaults: boolean;
  /** Default devices but `-serial none`. */
  readonly noSerial?: boolean;
  /** OVMF 2022.11's PCIEXBAR (0xB0000000) instead of 2025.02's. */
  readonly pciExpressBase?: number;
}

// Machines × (CPUs, RAM) × TPM interface × SMM, with S3/S4 disabled and -nodefaults each on for
// half of every machine's shapes; RAM 512/2048 MiB below 4 GiB, 3584/5120 MiB split on one or both.
const SHAPES: Shape[] = [];
for (const machine of ['q35', 'pc'] as const) {
  for (const [i, [cpus, mib]] of ([[1, 512], [2, 2048], [4, 3584], [8, 5120]] as const).entries()) {
    for (const tpm of ['tis', 'crb'] as const) {
      for (const smm of [false, true]) {
        const k = i + (tpm === 'crb' ? 1 : 0) + (smm ? 2 : 0);
        SHAPES.push({ machine, cpus, mib, tpm, smm, noS3S4: k % 2 === 1, nodefaults: Math.floor(k / 2) % 2 === 1 });
      }
    }
  }
  SHAPES.push({ machine, cpus: 2, maxCpus: 4, mib: 1024, tpm: 'tis', smm: false, noS3S4: false, nodefaults: false });
  SHAPES.push({ machine, cpus: 1, mib: 768, tpm: 'tis', smm: false, noS3S4: false, nodefaults: false, noSerial: true });
}
SHAPES.push({ machine: 'q35', cpus: 1, mib: 2048, tpm: 'tis', smm: false, noS3S4: false, nodefaults: false, pciExpressBase: 0xb000_0000 });

const label = (s: Shape): string =>
  `${s.machine} ${s.cpus}${s.maxCpus !== undefined ? `/${s.maxCpus}` : ''} CPU ${s.mib} MiB tpm-${s.tpm}${s.smm ? ' smm' : ''}${s.noS3S4 ? ' no-S3/S4' : ''}${s.nodefaults ? ' -nodefaults' : ''}${s.noSerial === true ? ' -serial none' : ''}${s.pciExpressBase !== undefined ? ` PCIEXBAR 0x${s.pciExpressBase.toString(16)}` : ''}`;

// Truth: the installed QEMU 7.2's own fw_cfg files for each VM, read under qtest after the chipset
// state OVMF 2025.02's PlatformPei leaves (and, with SMM on q35, the SMI feature negotiation OVMF's
// SMM builds do). The four files must be byte-equal, the DSDT included.
describe('qemu72AcpiFiles = the installed QEMU 7.2\'s ACPI files @integration', function () {
  this.timeout(180_000);
  const startSwtpm = qemuWithSwtpm('tcg2sim-acpi72-');

  for (const s of SHAPES) {
    it(label(s), async () => {
      const tpmArgs = await startSwtpm(s.tpm);
      const pm = s.machine === 'q35' ? 'ICH9-LPC' : 'PIIX4_PM';
      const args = [
        '-machine', s.smm ? `${s.machine},smm=on` : s.machine, '-m', String(s.mib), '-smp', s.maxCpus !== undefined ? `${s.cpus},maxcpus=${s.maxCpus}` : String(s.cpus),
        ...tpmArgs,
        ...(s.nodefaults ? ['-nodefaults'] : ['-net', 'none', '-serial', s.noSerial === true ? 'none' : 'null']),
        ...(s.noS3S4 ? ['-global', `${pm}.disable_s3=1`, '-global', `${pm}.disable_s4=1`] : []),
      ];
      const chipset = s.pciExpressBase !== undefined ? { ...OVMF_2025_02_CHIPSET_STATE[s.machine], pciExpressBase: s.pciExpressBase } : OVMF_2025_02_CHIPSET_STATE[s.machine];
      const qemu = await readQemuFwCfgFiles({ machine: s.machine, chipset, args, names: ACPI_FILE_NAMES, ...(s.smm && s.machine === 'q35' ? { smiFeatureMask: OVMF_SMI_FEATURE_MASK } : {}) });
      const ours = qemu72AcpiFiles({
        machine: s.machine, cpus: s.cpus, ...(s.maxCpus !== undefined ? { maxCpus: s.maxCpus } : {}), memoryMiB: s.mib, tpm: s.tpm, chipset,
        smiCpuHotplug: s.smm && s.machine === 'q35', s3Disabled: s.noS3S4, s4Disabled: s.noS3S4, defaultDevices: !s.nodefaults,
        ...(s.noSerial === true ? { serialPort: false } : {}),
      });
      expectSameAcpiFiles(ours, qemu);
    });
  }
});
