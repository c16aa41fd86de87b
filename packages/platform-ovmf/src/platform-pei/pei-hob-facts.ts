/**
 * What PEIFV itself says about the HOBs PEI builds before SmmRelocationInit (pei-hob-list.ts):
 * which modules are there, how many files PeiCore dispatches, whether PeiCore has the delayed
 * dispatch table (MdeModulePkg/Core/Pei/Dispatcher/Dispatcher.c, edk2-stable202502 on), the size
 * of PcdPeim's PEI PCD database and its local token count, and whether StatusCodeHandlerPei keeps
 * status codes in memory (PcdStatusCodeUseMemory). Every fact is read from the image, none is
 * keyed by a build's hash.
 */
import { guidFromString, guidToString } from '@tcg2sim/binary-codec';
import { EFI_FV_FILETYPE, EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { FfsFile, FirmwareVolume } from '@tcg2sim/uefi';

export const PCD_PEIM_FILE_GUID = '9B3ADA4F-AE56-4C24-8DEA-F03B7558AE50';
export const REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID = 'A3610442-E69F-4DF3-82CA-2360C4031A23';
export const STATUS_CODE_HANDLER_PEI_FILE_GUID = '9D225237-FA01-464C-A949-BAABC02D31D0';
export const DXE_IPL_FILE_GUID = '86D70125-BAA3-4296-A62F-602BEBBB9081';
export const PEI_VARIABLE_FILE_GUID = '34C8C28F-B61C-45A2-8F2E-89E46BECC63B';
/** MdeModulePkg/Include/Guid/DelayedDispatch.h. */
export const DELAYED_DISPATCH_TABLE_GUID = '4B733449-8EFF-488C-921A-154ADA251807';
/** gMemoryStatusCodeRecordGuid (MdeModulePkg.dec). */
export const MEMORY_STATUS_CODE_RECORD_GUID = '060CC026-4C0D-4DDA-8F41-595FEF00A502';
/** gPcdDataBaseSignatureGuid: the first 16 bytes of a PCD database (PCD_DATABASE_INIT.Signature). */
const PCD_DATABASE_SIGNATURE_GUID = '3C7D193C-682C-4C14-A68F-552DEA4F437E';

/** PcdPeim's PEI PCD database (MdeModulePkg/Include/Guid/PcdDataBaseSignatureGuid.h PCD_DATABASE_INIT). */
export interface PeiPcdDatabase {
  /** Length of the default SKU's database (offset 20). */
  readonly length: number;
  /** UninitDataBaseSize (offset 36): the zero-initialised PCDs after it. */
  readonly uninitDataBaseSize: number;
  /** LocalTokenCount (offset 68). */
  readonly localTokenCount: number;
}

/** The image facts of PEIFV the HOB list depends on. */
export interface PeiHobImageFacts {
  /**
   * Files PeiCore counts in PEIFV (DiscoverPeimsAndOrderWithApriori: FindFileByType with
   * PEI_CORE_INTERNAL_FFS_FILE_DISPATCH_TYPE, FwVol.c: PEIM, COMBINED_PEIM_DRIVER and
   * FIRMWARE_VOLUME_IMAGE files).
   */
  readonly dispatchFileCount: number;
  /** PeiCore references gEfiDelayedDispatchTableGuid: PeiDispatcher builds the delayed-dispatch table HOB. */
  readonly delayedDispatch: boolean;
  /** PcdPeim's database, or why it is not read. */
  readonly pcdDatabase: PeiPcdDatabase | string;
  readonly reportStatusCodeRouter: boolean;
  /** StatusCodeHandlerPei is there and references gMemoryStatusCodeRecordGuid (PcdStatusCodeUseMemory TRUE). */
  readonly memoryStatusCode: boolean;
  /** The files in PeiCore's dispatch order (upper-case GUIDs): the PEI apriori file's, then the volume's. */
  readonly dispatchOrder: readonly string[];
}

const PEI_APRIORI_FILE_GUID = '1B45CC0A-156A-428A-AF62-49864DA0E6E6';

function readDispatchOrder(volume: FirmwareVolume): string[] {
  const raw = findFileByGuid(volume, PEI_APRIORI_FILE_GUID)?.sections?.find((s) => s.type === EFI_SECTION.RAW)?.body;
  const files = volume.files.filter((f) => DISPATCHED_TYPES.has(f.type)).map((f) => f.guid.toUpperCase());
  const out: string[] = [];
  for (let o = 0; raw !== undefined && o + 16 <= raw.length; o += 16) {
    const g = guidToString(raw.subarray(o, o + 16)).toUpperCase();
    if (files.includes(g) && !out.includes(g)) out.push(g);
  }
  return [...out, ...files.filter((g) => !out.includes(g))];
}

const DISPATCHED_TYPES: ReadonlySet<number> = new Set([EFI_FV_FILETYPE.PEIM, EFI_FV_FILETYPE.COMBINED_PEIM_DRIVER, EFI_FV_FILETYPE.FIRMWARE_VOLUME_IMAGE]);

function imageOf(file: FfsFile | undefined): Uint8Array | undefined {
  return file?.sections?.find((s) => s.type === EFI_SECTION.PE32 || s.type === EFI_SECTION.TE)?.body;
}

function contains(hay: Uint8Array | undefined, needle: Uint8Array): boolean {
  if (hay === undefined) return false;
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(Buffer.from(needle)) >= 0;
}

/** PcdPeim's raw section that starts with the PCD database signature (Pcd.c LocateExPcdBinary). */
function readPcdDatabase(volume: FirmwareVolume): PeiPcdDatabase | string {
  const file = findFileByGuid(volume, PCD_PEIM_FILE_GUID);
  if (file === undefined) return 'no PcdPeim in PEIFV';
  const sig = guidFromString(PCD_DATABASE_SIGNATURE_GUID);
  const raw = file.sections?.find((s) => s.type === EFI_SECTION.RAW && s.body.length >= 72 && sig.every((b, i) => s.body[i] === b))?.body;
  if (raw === undefined) return 'PcdPeim has no raw section holding a PCD database';
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const length = v.getUint32(20, true);
  const uninitDataBaseSize = v.getUint32(36, true);
  const localTokenCount = v.getUint16(68, true);
  if (length < 72 || length > raw.length) return `PcdPeim's PCD database claims ${length} bytes in a ${raw.length}-byte section`;
  return { length, uninitDataBaseSize, localTokenCount };
}

/** Reads the facts from PEIFV. */
export function peiHobImageFacts(volume: FirmwareVolume): PeiHobImageFacts {
  const core = volume.files.find((f) => f.type === EFI_FV_FILETYPE.PEI_CORE);
  const sch = findFileByGuid(volume, STATUS_CODE_HANDLER_PEI_FILE_GUID);
  return {
    dispatchFileCount: volume.files.filter((f) => DISPATCHED_TYPES.has(f.type)).length,
    delayedDispatch: contains(imageOf(core), guidFromString(DELAYED_DISPATCH_TABLE_GUID)),
    pcdDatabase: readPcdDatabase(volume),
    reportStatusCodeRouter: findFileByGuid(volume, REPORT_STATUS_CODE_ROUTER_PEI_FILE_GUID) !== undefined,
    memoryStatusCode: contains(imageOf(sch), guidFromString(MEMORY_STATUS_CODE_RECORD_GUID)),
    dispatchOrder: readDispatchOrder(volume),
  };
}
