/**
 * QEMU's ACPI blobs as OvmfPkg's AcpiPlatformLib measures them (edk2-stable202302 and later,
 * OvmfPkg/Library/AcpiPlatformLib/QemuFwCfgAcpi.c): PCR1, EV_PLATFORM_CONFIG_FLAGS, event data
 * "ACPI DATA" (9 bytes), first the whole etc/table-loader as downloaded, then each blob the
 * loader's ALLOCATE commands name, in command order, as downloaded (before any pointer or
 * checksum patching). Checked against a real Debian trixie boot (QEMU 7.2: etc/acpi/rsdp,
 * etc/tpm/log, etc/acpi/tables).
 *
 * The loader (QEMU hw/acpi/bios-linker-loader.c) is a sequence of 128-byte commands: a UINT32
 * command (1 ALLOCATE, 2 ADD_POINTER, 3 ADD_CHECKSUM, 4 WRITE_POINTER; 0 padding), then for
 * ALLOCATE the 56-byte NUL-terminated file name.
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { EFI_SECTION } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** The event data of each measurement. */
export const ACPI_DATA_EVENT = 'ACPI DATA';
export const TABLE_LOADER_FILE = 'etc/table-loader';
const COMMAND_SIZE = 128;
const ALLOCATE = 1;
const FILE_NAME_SIZE = 56;
/** QEMU's loader is one 4 KiB page; more than this many commands is not a loader. */
const MAX_COMMANDS = 4096;

/** A loader or blob set that cannot be what QEMU hands the firmware. */
export class AcpiDataError extends Tcg2Error {
  override readonly name = 'AcpiDataError';
  readonly code: 'NO_LOADER' | 'BAD_LOADER' | 'MISSING_BLOB';
  constructor(code: AcpiDataError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** One "ACPI DATA" measurement: the fw_cfg file and the bytes hashed. */
export interface AcpiDataMeasurement {
  readonly file: string;
  readonly bytes: Uint8Array;
}

/** The file names the loader's ALLOCATE commands name, in order. */
export function loaderAllocations(loader: Uint8Array): string[] {
  if (loader.length % COMMAND_SIZE !== 0 || loader.length / COMMAND_SIZE > MAX_COMMANDS) {
    throw new AcpiDataError('BAD_LOADER', `${TABLE_LOADER_FILE}: length ${loader.length} is not a whole number (at most ${MAX_COMMANDS}) of ${COMMAND_SIZE}-byte commands`);
  }
  const view = new DataView(loader.buffer, loader.byteOffset, loader.byteLength);
  const out: string[] = [];
  for (let at = 0; at < loader.length; at += COMMAND_SIZE) {
    if (view.getUint32(at, true) !== ALLOCATE) continue;
    const name = loader.subarray(at + 4, at + 4 + FILE_NAME_SIZE);
    const nul = name.indexOf(0);
    if (nul <= 0) throw new AcpiDataError('BAD_LOADER', `${TABLE_LOADER_FILE}: ALLOCATE command at offset ${at} has ${nul === 0 ? 'an empty' : 'an unterminated'} file name`);
    out.push(Buffer.from(name.subarray(0, nul)).toString('latin1'));
  }
  return out;
}

/** The measurements of AcpiPlatformLib for the fw_cfg files `files` (name → contents). */
export function acpiDataMeasurements(files: ReadonlyMap<string, Uint8Array>): AcpiDataMeasurement[] {
  const loader = files.get(TABLE_LOADER_FILE);
  if (loader === undefined) throw new AcpiDataError('NO_LOADER', `no ${TABLE_LOADER_FILE} among the fw_cfg files`);
  const out: AcpiDataMeasurement[] = [{ file: TABLE_LOADER_FILE, bytes: loader }];
  for (const name of loaderAllocations(loader)) {
    const bytes = files.get(name);
    if (bytes === undefined) throw new AcpiDataError('MISSING_BLOB', `${TABLE_LOADER_FILE} allocates '${name}', which is not among the fw_cfg files`);
    out.push({ file: name, bytes });
  }
  return out;
}

/** EV_PLATFORM_CONFIG_FLAGS (TCG PC Client PFP). */
export const EV_PLATFORM_CONFIG_FLAGS = 0x0000000a;

/** Tcg2Dxe's HashLogExtendEvent as the measuring driver calls it. */
export interface AcpiDataMeasurer {
  hashLogExtend(pcrIndex: number, eventType: number, hashData: Uint8Array, eventData: Uint8Array): Promise<unknown>;
}

/**
 * Measures QEMU's ACPI blobs as QemuFwCfgAcpiPlatform does (OvmfPkg AcpiPlatformLib, also linked
 * into ArmVirtQemu's driver): PCR1, EV_PLATFORM_CONFIG_FLAGS, "ACPI DATA", one event per
 * {@link acpiDataMeasurements} entry. Returns the number of events.
 */
export async function measureAcpiData(dxe: AcpiDataMeasurer, files: ReadonlyMap<string, Uint8Array>): Promise<number> {
  const data = new TextEncoder().encode(ACPI_DATA_EVENT);
  const measurements = acpiDataMeasurements(files);
  for (const m of measurements) await dxe.hashLogExtend(1, EV_PLATFORM_CONFIG_FLAGS, m.bytes, data);
  return measurements.length;
}

/** Whether the build's QemuFwCfgAcpiPlatform measures the blobs (holds the "ACPI DATA" text). */
export function measuresAcpiData(sec: SecOutput): boolean {
  const f = sec.dxeFv.volume.files.find((x) => x.sections?.some((s) => s.userInterface === 'QemuFwCfgAcpiPlatform'));
  const img = f?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
  return img !== undefined && Buffer.from(img).includes(Buffer.from(ACPI_DATA_EVENT, 'latin1'));
}
