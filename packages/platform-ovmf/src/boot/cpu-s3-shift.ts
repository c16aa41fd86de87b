/**
 * How the UEFI Shell's boot-file buffer (ImageLocationInMemory, image-buffer.ts) moves with the
 * number of CPUs and with S3: DXE allocates per-CPU data (MpInitLib's AP stacks and CPU_MP_DATA,
 * CpuS3DataDxe's S3 resume stacks and register tables when PcdAcpiS3Enable is set) and S3-only
 * data (boot script, lock box) before BDS reads the file, top-down. The Shell buffer model is
 * for one CPU with S3 enabled (QEMU's default); these are the measured offsets from it, per
 * build and machine, keyed `CPUS/MAXCPUS:s3|no-s3`. Page-rounded pool allocations make them
 * non-linear, so only measured points are used.
 *
 * Measured on real boots (`tcg2sim capture --qemu-cmdline`) of Debian's OVMF 2022.11-6+deb12u2
 * OVMF_CODE_4M.fd on q35, 1024 MiB, tpm-crb, fresh OVMF_VARS_4M.fd, SHA1 active:
 * 1 CPU S3 off 0x3E231018, 2 CPUs S3 on 0x3E213018, 2 CPUs S3 off 0x3E228018, 3 CPUs S3 off
 * 0x3E221018, against the 1 CPU S3 on calibration 0x3E21E018.
 */
import type { CalibrationPoint } from './calibration-point.ts';
import type { PointKey } from './device-footprints.ts';

export const CPU_S3_IMAGE_BUFFER_SHIFT: ReadonlyMap<PointKey, ReadonlyMap<string, bigint>> = new Map([
  [
    'x64-4m:q35', // OVMF_CODE_4M.fd
    new Map([
      ['1/1:s3', 0n],
      ['2/2:s3', -0xb000n],
      ['1/1:no-s3', 0x13000n],
      ['2/2:no-s3', 0xa000n],
      ['3/3:no-s3', 0x3000n],
    ]),
  ],
]);

/**
 * With `-nodefaults` (no default VGA, no default empty CD-ROM: `defaultCdrom` false) QemuVideoDxe
 * and the ATAPI stack allocate nothing and the buffer sits this much higher. Measured on
 * OVMF_CODE_4M.fd q35, 1024 MiB, 2 CPUs, S3 off, tpm-crb: 0x3E268018 against 0x3E228018 with
 * the default devices. Applied on top of the CPU/S3 shift (assumed independent of it).
 */
export const NODEFAULTS_IMAGE_BUFFER_SHIFT: ReadonlyMap<PointKey, bigint> = new Map([
  ['x64-4m:q35', 0x40000n], // OVMF_CODE_4M.fd
]);

/** The shift for a build, machine, CPU count and S3 setting; `calibrated` false when not measured (the shift is then 0). */
export function cpuS3Shift(point: CalibrationPoint | undefined, m: { readonly machine: 'q35' | 'pc'; readonly cpus: number; readonly maxCpus?: number | undefined; readonly s3: boolean; readonly defaultCdrom?: boolean }): { shift: bigint; calibrated: boolean } {
  const key = `${m.cpus}/${m.maxCpus ?? m.cpus}:${m.s3 ? 's3' : 'no-s3'}`;
  const k = point === undefined ? undefined : (`${point}:${m.machine}` as const);
  const devices = m.defaultCdrom === false ? (k === undefined ? undefined : NODEFAULTS_IMAGE_BUFFER_SHIFT.get(k)) : 0n;
  const shift = key === '1/1:s3' ? 0n : k === undefined ? undefined : CPU_S3_IMAGE_BUFFER_SHIFT.get(k)?.get(key);
  return shift === undefined || devices === undefined ? { shift: 0n, calibrated: false } : { shift: shift + devices, calibrated: true };
}

/**
 * The CPU/S3 part alone: what DXE allocated per CPU and for S3 before BDS connects the PCI root
 * bridge (where PciBus copies option ROMs), without the default devices' drivers, which allocate
 * later (when BDS connects the consoles). Measured on OVMF_CODE_4M.fd q35, 2048 MiB, 2 CPUs, S3
 * off, `-nodefaults`, virtio-net-pci behind a pcie-root-port: the NIC's driver image at 0x7E4AF018,
 * 0xA000 above the 1-CPU S3-on value, the Shell table's 2/2:no-s3 entry.
 */
export function cpuS3OnlyShift(point: CalibrationPoint | undefined, m: { readonly machine: 'q35' | 'pc'; readonly cpus: number; readonly maxCpus?: number | undefined; readonly s3: boolean }): bigint {
  const key = `${m.cpus}/${m.maxCpus ?? m.cpus}:${m.s3 ? 's3' : 'no-s3'}`;
  return key === '1/1:s3' || point === undefined ? 0n : (CPU_S3_IMAGE_BUFFER_SHIFT.get(`${point}:${m.machine}`)?.get(key) ?? 0n);
}
