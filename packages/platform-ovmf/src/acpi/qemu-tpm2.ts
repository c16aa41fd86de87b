/**
 * The TPM2 table QEMU 7.2 puts in `etc/acpi/tables` for a TPM 2.0 device (build_tpm2,
 * qemu:hw/acpi/aml-build.c; x86 OEM strings from hw/i386/acpi-build.c / x86 machine defaults):
 * revision 4, platform class client, 12 zero bytes of start-method parameters, LAML = 64 KiB
 * (TPM_LOG_AREA_MINIMUM_SIZE), and LASA patched by the firmware's ACPI linker/loader to the
 * address where it allocated the `etc/tpm/log` blob. Verified byte for byte against the table
 * Debian's OVMF 2022.11 installs under QEMU 7.2 (q35, tpm-tis and tpm-crb, 512 and 2048 MiB).
 */
import type { CalibrationPoint } from '../boot/calibration-point.ts';
import { TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import { ramLayout } from '../machine.ts';
import type { MachineDescription } from '../machine.ts';
import { encodeTpm2Table, TPM2_PLATFORM_CLASS, TPM2_START_METHOD } from './tpm2-table.ts';
import type { Tpm2TableInput } from './tpm2-table.ts';

/** TPM_LOG_AREA_MINIMUM_SIZE (qemu:include/hw/acpi/tpm.h): the etc/tpm/log blob QEMU asks for. */
export const QEMU_TPM_LOG_AREA_SIZE = 0x10000;
/** TPM_CRB_ADDR_CTRL: the CRB control area (locality 0 CRB_CTRL_REQ) at base + 0x40. */
export const QEMU_CRB_CONTROL_AREA = BigInt(TPM_BASE_ADDRESS + 0x40);
/** QEMU's x86 ACPI OEM fields (`-machine oem-id=…,oem-table-id=…` defaults). */
export const QEMU_ACPI_OEM = { oemId: 'BOCHS ', oemTableId: 'BXPC    ', oemRevision: 1, creatorId: 'BXPC', creatorRevision: 1 } as const;

/**
 * Distance from the top of RAM below 4 GiB to the etc/tpm/log blob (Debian OVMF_CODE_4M.fd). OVMF's
 * QemuFwCfgAcpiPlatformDxe allocates each linker/loader blob with
 * AllocatePages(AllocateMaxAddress below 4 GiB, EfiACPIMemoryNVS); the ACPI NVS memory-type bin
 * sits at a fixed distance below the top of RAM, so the address is allocator state that follows
 * the RAM size. Measured on Debian OVMF_CODE_4M.fd 2022.11 with a fresh OVMF_VARS_4M.fd (no
 * MemoryTypeInformation variable yet), q35, 512 and 2048 MiB, tpm-tis and tpm-crb: 0x81B000 in
 * each. A store holding TCG2_VERSION (any store an earlier boot left) puts it
 * {@link QEMU_TPM_LOG_TCG2_VERSION_SHIFT} lower.
 */
export const QEMU_TPM_LOG_CALIBRATION = 0x81b000;

/**
 * The same distance per calibration point (the image's facts: boot/calibration-point.ts), as
 * SHELL_BUFFER_REMAINDER_PAGES: measured on first boots with the matching fresh VARS template.
 * q35 and pc give the same value (OVMF_CODE_4M.fd, 512 MiB, checked).
 */
export const QEMU_TPM_LOG_CALIBRATION_BY_BUILD: ReadonlyMap<CalibrationPoint, number> = new Map<CalibrationPoint, number>([
  ['x64-4m', 0x81b000], // Debian 12 OVMF_CODE_4M.fd
  ['x64-2m-tdx', 0x81a000], // Debian 12 OVMF_CODE.fd (2 MB)
  // Debian 12 OVMF_CODE_4M.secboot.fd, q35 + SMM, OVMF_VARS_4M.ms.fd, 512 MiB only (TSEG's 16 MiB included)
  ['x64-4m-smm', 0x1824000],
]);

/**
 * How much lower the blob sits when the variable store holds TCG2_VERSION (Tcg2ConfigDxe then
 * validates its HII settings instead of creating the variable; see boot/store-history.ts).
 * Measured on real boots: q35 OVMF_CODE_4M.fd 512 MiB with TCG2_VERSION alone, with the TCG2
 * variables plus MTC/VarErrorFlag/CustomMode, and with a first boot's whole store (all 0x83B000);
 * second boots of q35 OVMF_CODE_4M.fd 1024 (CRB) and 2048 MiB, pc OVMF_CODE_4M.fd 512 MiB, q35
 * and pc OVMF_CODE.fd 512 MiB, q35 + SMM OVMF_CODE_4M.secboot.fd 512 MiB (all 0x20000 lower).
 * Stores without it (only MemoryTypeInformation, only BDS's variables, only iSCSI's) give the
 * fresh value. The MemoryTypeInformation variable does not enter non-SMM builds at all.
 */
export const QEMU_TPM_LOG_TCG2_VERSION_SHIFT = 0x20000;

/**
 * Where OVMF puts the TPM log blob on `machine` (the calibrated model; see
 * {@link QEMU_TPM_LOG_CALIBRATION}); `point` (the image's calibration point) picks its own calibration when known;
 * `tcg2VersionStored` (the store holds TCG2_VERSION, e.g. any store an earlier boot left) moves
 * it {@link QEMU_TPM_LOG_TCG2_VERSION_SHIFT} lower.
 */
export function qemuTpmLogAddress(machine: MachineDescription, point?: CalibrationPoint, tcg2VersionStored = false): bigint {
  const k = (point === undefined ? undefined : QEMU_TPM_LOG_CALIBRATION_BY_BUILD.get(point)) ?? QEMU_TPM_LOG_CALIBRATION;
  return BigInt(ramLayout(machine).belowFourG - k - (tcg2VersionStored ? QEMU_TPM_LOG_TCG2_VERSION_SHIFT : 0));
}

/** Inputs of {@link qemuTpm2Table}. */
export interface QemuTpm2Options {
  readonly tpmInterface: 'tis' | 'crb';
  /** LASA: where the firmware's linker/loader placed etc/tpm/log. */
  readonly logAreaAddress: bigint;
}

/** The fields of QEMU's table, before encoding. */
export function qemuTpm2TableInput(o: QemuTpm2Options): Tpm2TableInput {
  const crb = o.tpmInterface === 'crb';
  return {
    revision: 4,
    ...QEMU_ACPI_OEM,
    platformClass: TPM2_PLATFORM_CLASS.CLIENT,
    addressOfControlArea: crb ? QEMU_CRB_CONTROL_AREA : 0n,
    startMethod: crb ? TPM2_START_METHOD.CRB : TPM2_START_METHOD.MMIO,
    startMethodParameters: new Uint8Array(12),
    logArea: { laml: QEMU_TPM_LOG_AREA_SIZE, lasa: o.logAreaAddress },
  };
}

/** The 76-byte TPM2 table QEMU 7.2 builds, checksum included. */
export function qemuTpm2Table(o: QemuTpm2Options): Uint8Array {
  return encodeTpm2Table(qemuTpm2TableInput(o));
}
