/**
 * Whether each SetVariable of Ubuntu's FirmwareSecvarUpdater finds room in the variable store:
 * the store's own bytes written as EDK II's variable driver writes them
 * (MdeModulePkg/Universal/Variable/RuntimeDxe, edk2-stable202202/202402/202511, the same in the
 * three: Variable.c UpdateVariable and Reclaim, VariableNonVolatile.c InitNonVolatileVariableStore)
 * through @tcg2sim/uefi's NvVariableService, from the first write of the boot to the updater's last.
 *
 * - Room: a write of a record of VarSize bytes (authenticated header 60, name, data, unpadded)
 *   reclaims when the records on flash (every state, each HEADER_ALIGNed to 4) plus VarSize pass
 *   CommonVariableSpace = VARIABLE_STORE_HEADER.Size − 28 − PcdHwErrStorageSize (0: the
 *   MdeModulePkg.dec default, which OvmfPkg's DSCs keep). Reclaim keeps the live records (the one
 *   being updated dropped, in-deleted-transition ones without a twin promoted) and fails with
 *   EFI_OUT_OF_RESOURCES when they and the new record do not fit; the old copy is then left in
 *   deleted transition (still read), nothing else written but RecordVarErrorFlag's in-place
 *   clearing of a bit of VarErrorFlag when that variable exists (no room taken; not modelled).
 * - Size: an APPEND_WRITE whose merged data passes PcdMaxAuthVariableSize − (60 + name size) is
 *   refused with EFI_INVALID_PARAMETER before anything is written. The limit is read from the
 *   variable driver's code (InitNonVolatileVariableStore's two stores of MaxVariableSize and
 *   MaxAuthVariableSize into mVariableModuleGlobal, folded to immediates).
 * - Before the updater (seen in the store QEMU wrote, and AuthVariableLibInitialize,
 *   SecurityPkg/Library/AuthVariableLib/AuthVariableLib.c): SecureBootEnable = 1 when absent
 *   (user mode), CustomMode = 0, certdb (UINT32 4) and VendorKeysNv = 1 when absent. After the
 *   first successful KEK or db write in custom mode AuthVariableLib's VendorKeyIsModified writes
 *   VendorKeysNv = 0 once (its failure fails the SetVariable).
 */
import {
  AUTH_VARIABLE_HEADER_SIZE, EFI_SECTION, NorFlash, NvVariableService, VARIABLE_ATTRIBUTE, VARIABLE_RUNTIME_DXE_FILE_GUID, VENDOR_GUID,
  VarStoreError, encodeVariableName, openVarStore,
} from '@tcg2sim/uefi';
import type { SecOutput } from '../../sec.ts';
import { findModule } from './unit.ts';

/** VariableSmm's FILE_GUID (MdeModulePkg/Universal/Variable/RuntimeDxe/VariableSmm.inf). */
export const VARIABLE_SMM_FILE_GUID = '23A089B3-EED5-4AC5-B2AB-43E3298C2343';
const NV_BS = VARIABLE_ATTRIBUTE.NV | VARIABLE_ATTRIBUTE.BS;

/** What one SetVariable of the updater gave. */
export type WriteStatus = 'ok' | 'EFI_OUT_OF_RESOURCES' | 'EFI_INVALID_PARAMETER';

/**
 * PcdMaxVariableSize and PcdMaxAuthVariableSize as InitNonVolatileVariableStore stores them:
 * `mov qword [reg+0xC0], imm32` followed within 32 bytes by `mov qword [reg+0xC8], imm32` on the
 * same base register (REX.W C7 /0 with a disp32, SIB when the base is r12/rsp), both non-zero
 * (the PCDs folded to constants). Undefined unless exactly one such pair is in the image.
 */
export function maxVariableSizes(pe: Uint8Array): { readonly max: number; readonly maxAuth: number } | undefined {
  const at = (i: number, disp: number): { key: string; imm: number; end: number } | undefined => {
    const rex = pe[i];
    if ((rex !== 0x48 && rex !== 0x49) || pe[i + 1] !== 0xc7) return undefined;
    const modrm = pe[i + 2] ?? 0;
    if ((modrm >> 6) !== 2 || ((modrm >> 3) & 7) !== 0) return undefined;
    const sib = (modrm & 7) === 4 ? 1 : 0;
    // A SIB only to name r12/rsp as the base (no index): a field of the module global.
    if (sib === 1 && (((pe[i + 3] ?? 0) >> 3) & 7) !== 4) return undefined;
    const d = i + 3 + sib;
    if (d + 8 > pe.length) return undefined;
    const v = new DataView(pe.buffer, pe.byteOffset + d, 8);
    if (v.getUint32(0, true) !== disp) return undefined;
    return { key: `${rex & 1}:${modrm & 7}:${sib === 1 ? pe[i + 3] : ''}`, imm: v.getUint32(4, true), end: d + 8 };
  };
  const found: { max: number; maxAuth: number }[] = [];
  for (let i = 0; i + 12 < pe.length; i++) {
    const a = at(i, 0xc0);
    if (a === undefined) continue;
    for (let j = a.end; j < a.end + 32 && j + 12 < pe.length; j++) {
      const b = at(j, 0xc8);
      if (b !== undefined && b.key === a.key && a.imm !== 0 && b.imm !== 0) {
        found.push({ max: a.imm, maxAuth: b.imm === 0 ? a.imm : b.imm });
        break;
      }
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/** The variable driver of the image (VariableSmm, else VariableRuntimeDxe) and its limits. */
function driverLimits(sec: SecOutput): { readonly name: string; readonly maxAuth: number } | string {
  for (const [name, guid] of [['VariableSmm', VARIABLE_SMM_FILE_GUID], ['VariableRuntimeDxe', VARIABLE_RUNTIME_DXE_FILE_GUID]] as const) {
    const f = findModule(sec.dxeFv.volume, { name, fileGuid: guid });
    const pe = f?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
    if (pe === undefined) continue;
    const sizes = maxVariableSizes(pe);
    return sizes === undefined ? `${name} holds no single store of MaxVariableSize/MaxAuthVariableSize of the layout seen in Ubuntu's 2022.02, 2024.02 and 2025.11 builds` : { name, maxAuth: sizes.maxAuth };
  }
  return 'no VariableSmm or VariableRuntimeDxe in DXEFV';
}

/** The NV store as the updater's writes find it: the boot's earlier writes done. */
export class UpdaterStore {
  readonly #svc: NvVariableService;
  readonly maxAuth: number;
  readonly driver: string;
  #vendorKeysModified = false;

  private constructor(svc: NvVariableService, maxAuth: number, driver: string) {
    this.#svc = svc;
    this.maxAuth = maxAuth;
    this.driver = driver;
  }

  /**
   * The store bytes booted, through the variable driver's start-up and AuthVariableLib's
   * writes. A string says why it cannot be known (the caller says INCOMPLETE).
   */
  static open(image: Uint8Array, sec: SecOutput): UpdaterStore | string {
    const limits = driverLimits(sec);
    if (typeof limits === 'string') return limits;
    let svc: NvVariableService;
    const copy = image.slice();
    try {
      const layout = openVarStore(copy);
      svc = NvVariableService.boot(new NorFlash(copy, { blockSize: layout.blockSize }), layout);
    } catch (e) {
      if (e instanceof VarStoreError) return `the variable store cannot be written as the variable driver writes it: ${e.message}`;
      throw e;
    }
    const store = new UpdaterStore(svc, limits.maxAuth, limits.name);
    const init: readonly [string, string, number, Uint8Array, boolean][] = [
      ['SecureBootEnable', VENDOR_GUID.SECURE_BOOT_ENABLE_DISABLE, NV_BS, Uint8Array.of(1), true],
      ['CustomMode', VENDOR_GUID.CUSTOM_MODE_ENABLE, NV_BS, Uint8Array.of(0), false],
      ['certdb', VENDOR_GUID.CERT_DB, NV_BS | VARIABLE_ATTRIBUTE.RT | VARIABLE_ATTRIBUTE.AT, Uint8Array.of(4, 0, 0, 0), true],
      ['VendorKeysNv', VENDOR_GUID.VENDOR_KEYS_NV, NV_BS | VARIABLE_ATTRIBUTE.AT, Uint8Array.of(1), true],
    ];
    for (const [name, guid, attributes, data, onlyWhenAbsent] of init) {
      if (onlyWhenAbsent && svc.get(name, guid) !== undefined) continue;
      if (store.#write(name, guid, attributes, data) !== 'ok') return `AuthVariableLib's start-up write of ${name} finds no room in the store: the variable driver fails to start (not modelled)`;
    }
    store.#vendorKeysModified = svc.get('VendorKeysNv', VENDOR_GUID.VENDOR_KEYS_NV)?.data[0] === 0;
    return store;
  }

  #write(name: string, guid: string, attributes: number, data: Uint8Array): WriteStatus {
    try {
      this.#svc.set({ name, guid, attributes, data });
      return 'ok';
    } catch (e) {
      if (e instanceof VarStoreError && e.code === 'OUT_OF_RESOURCES') return 'EFI_OUT_OF_RESOURCES';
      throw e;
    }
  }

  /** SetVariable(CustomMode) of NV|BS with one byte. */
  customMode(value: number): WriteStatus {
    return this.#write('CustomMode', VENDOR_GUID.CUSTOM_MODE_ENABLE, NV_BS, Uint8Array.of(value));
  }

  /** A plain SetVariable (the updater's version). */
  set(name: string, guid: string, attributes: number, data: Uint8Array): WriteStatus {
    return this.#write(name, guid, attributes, data);
  }

  /**
   * The updater's authenticated APPEND_WRITE of `list` to KEK or db in custom mode: the size
   * limit, the write, then VendorKeyIsModified.
   */
  append(name: string, guid: string, list: Uint8Array): { readonly written: boolean; readonly status: WriteStatus } {
    const cur = this.#svc.get(name, guid);
    const dataOffset = AUTH_VARIABLE_HEADER_SIZE + encodeVariableName(name).length;
    if (cur === undefined || cur.data.length + list.length > this.maxAuth - dataOffset) return { written: false, status: 'EFI_INVALID_PARAMETER' };
    try {
      this.#svc.set({ name, guid, attributes: cur.attributes | VARIABLE_ATTRIBUTE.AP, data: list, timeStamp: cur.timeStamp });
    } catch (e) {
      if (e instanceof VarStoreError && e.code === 'OUT_OF_RESOURCES') return { written: false, status: 'EFI_OUT_OF_RESOURCES' };
      throw e;
    }
    if (this.#vendorKeysModified) return { written: true, status: 'ok' };
    this.#vendorKeysModified = true;
    return { written: true, status: this.#write('VendorKeysNv', VENDOR_GUID.VENDOR_KEYS_NV, NV_BS | VARIABLE_ATTRIBUTE.AT, Uint8Array.of(0)) };
  }
}
