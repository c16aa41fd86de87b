/**
 * The UEFI variables DXE and BDS read and write in a simulated boot, and the boot options BDS
 * attempts.
 */
import { findFileByGuid, secureBootState } from '@tcg2sim/uefi';
import type { VariableSnapshot } from '@tcg2sim/uefi';
import { EFI_GLOBAL_VARIABLE } from '@tcg2sim/tcg2-dxe';
import type { VariableReader } from '@tcg2sim/tcg2-dxe';
import type { MachineDescription } from '../machine.ts';
import type { SecOutput } from '../sec.ts';
import type { DiskSpec } from './disk-interfaces.ts';
import { UEFI_SHELL_FILE_GUID, decodeBootOption, decodeBootOrder, defaultOvmfBootOptions, encodeBootOption, encodeBootOrder } from './bds.ts';
import type { BootOption } from './bds.ts';
import type { NetworkOption } from './bds-network.ts';
import type { BdsPlatformOptions } from './bds-platform-options.ts';
import { isAutoCreated, refreshBootOptions } from './bds-refresh.ts';
import { connectDevicesFromQemu, setBootOrderFromQemu } from './boot-order-apply.ts';
import type { DeviceConnection } from './boot-order-apply.ts';
import { diskOptions } from './disk-interfaces.ts';
import { defaultCdromOption } from './bds.ts';
import type { QemuBootOrder } from './qemu-boot-order.ts';
import { devicePathToText } from '@tcg2sim/uefi';

/** A boot option number as in `Boot####`. */
export function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** SecureBootConfigDxe's FILE_GUID: present in SECURE_BOOT_ENABLE builds. */
const SECURE_BOOT_CONFIG_DXE = 'F0E6A44F-7195-41C3-AC64-54F202CD0A21';

/**
 * UEFI variables as DXE reads them: the store, the volatile SecureBoot variable AuthVariableLib
 * creates in SECURE_BOOT_ENABLE builds (1 when PK is enrolled and SecureBootEnable is not 0,
 * else 0), and what BDS writes during the boot.
 */
export class DxeVariables implements VariableReader {
  readonly #store: VariableSnapshot | undefined;
  readonly #written = new Map<string, Uint8Array>();
  readonly #deleted = new Set<string>();
  readonly secureBootCapable: boolean;

  constructor(store: VariableSnapshot | undefined, sec: SecOutput, notes: string[]) {
    this.#store = store;
    this.secureBootCapable = findFileByGuid(sec.dxeFv.volume, SECURE_BOOT_CONFIG_DXE) !== undefined;
    if (this.secureBootCapable) {
      const { secureBoot, reason } = secureBootState((name, guid) => this.#fromStore(name, guid));
      this.set('SecureBoot', EFI_GLOBAL_VARIABLE, Uint8Array.of(secureBoot));
      notes.push(`SecureBoot = ${secureBoot} (${reason})`);
    } else {
      notes.push('build without SECURE_BOOT_ENABLE: no SecureBoot variable, no image measurements (202211 OVMF quirk)');
    }
  }

  #fromStore(name: string, guid: string): Uint8Array | undefined {
    return this.#store?.get(name, guid)?.data;
  }

  get(name: string, guid: string): Uint8Array | undefined {
    if (this.#deleted.has(`${guid}:${name}`)) return undefined;
    return this.#written.get(`${guid}:${name}`) ?? this.#fromStore(name, guid);
  }

  set(name: string, guid: string, data: Uint8Array): void {
    this.#written.set(`${guid}:${name}`, data);
    this.#deleted.delete(`${guid}:${name}`);
  }

  /** SetVariable with no data: the variable is gone for the rest of the boot. */
  delete(name: string, guid: string): void {
    this.#written.delete(`${guid}:${name}`);
    this.#deleted.add(`${guid}:${name}`);
  }
}

/** BootOrder and the options it names. */
export interface BootOptionSet {
  readonly order: readonly number[];
  readonly byNumber: ReadonlyMap<number, BootOption>;
  /** Which devices BDS connected before enumerating options (QEMU's bootorder; default all). */
  readonly connection?: DeviceConnection;
}

/**
 * The boot options BDS attempts: the store's BootOrder and Boot#### when it has them (a later
 * boot), else OVMF's defaults for a fresh store, written as BDS writes them so that ReadyToBoot
 * measures them.
 */
export function bootOptions(m: MachineDescription, sec: SecOutput, vars: DxeVariables, notes: string[], disks: readonly DiskSpec[], network: readonly NetworkOption[] = [], emptyCdromOption = true, platform?: BdsPlatformOptions, qemuBootOrder?: QemuBootOrder): BootOptionSet {
  const connection: DeviceConnection = qemuBootOrder === undefined ? { kind: 'all' } : connectDevicesFromQemu(qemuBootOrder, (p) => deviceExists(m, disks, network, p), notes);
  const set = { ...registeredOptions(m, sec, vars, notes, disks, network, emptyCdromOption, connection, platform), connection };
  if (qemuBootOrder === undefined) return set;
  const active = set.order.map((n) => set.byNumber.get(n)).filter((o): o is BootOption => o !== undefined && (o.attributes & 1) !== 0);
  const r = setBootOrderFromQemu(qemuBootOrder, active, notes);
  if (r === undefined) {
    notes.push('BDS: SetBootOrderFromQemu leaves BootOrder as it is (no option matched the bootorder file, or the file is empty or malformed)');
    return set;
  }
  vars.set('BootOrder', EFI_GLOBAL_VARIABLE, encodeBootOrder(r.order));
  for (const n of r.pruned) vars.delete(`Boot${hex4(n)}`, EFI_GLOBAL_VARIABLE);
  notes.push(`BDS: SetBootOrderFromQemu: BootOrder ${r.order.map(hex4).join(',')}${r.pruned.length > 0 ? `; Boot${r.pruned.map(hex4).join(', Boot')} deleted (not in bootorder, first node PciRoot() or HD())` : ''}`);
  return { order: r.order, byNumber: new Map([...set.byNumber].filter(([n]) => !r.pruned.includes(n))), connection };
}

/** Whether EfiBootManagerConnectDevicePath finds a device at `prefix`: a disk, a NIC or the default CD-ROM. */
function deviceExists(m: MachineDescription, disks: readonly DiskSpec[], network: readonly NetworkOption[], prefix: string): boolean {
  const paths = [...diskOptions(m, disks).map((d) => d.text), ...network.map((o) => devicePathToText(o.filePath)), ...(m.defaultCdrom ? [devicePathToText(defaultCdromOption(m).filePath)] : [])];
  return paths.some((t) => t === prefix || t.startsWith(`${prefix}/`));
}

function registeredOptions(m: MachineDescription, sec: SecOutput, vars: DxeVariables, notes: string[], disks: readonly DiskSpec[], network: readonly NetworkOption[], emptyCdromOption: boolean, connection: DeviceConnection, platform: BdsPlatformOptions | undefined): BootOptionSet {
  const stored = vars.get('BootOrder', EFI_GLOBAL_VARIABLE);
  if (stored !== undefined) {
    const order = decodeBootOrder(stored);
    const byNumber = new Map<number, BootOption>();
    for (const n of order) {
      const data = vars.get(`Boot${hex4(n)}`, EFI_GLOBAL_VARIABLE);
      const o = data === undefined ? undefined : decodeBootOption(n, data, m, disks.length > 0 ? disks : undefined);
      if (o !== undefined) byNumber.set(n, o);
    }
    notes.push(`BDS: boot options from the variable store: BootOrder ${order.map(hex4).join(',')}`);
    const shellInFv = findFileByGuid(sec.dxeFv.volume, UEFI_SHELL_FILE_GUID) !== undefined;
    const enumerated = defaultOvmfBootOptions(m, sec.dxeFv.volume.guid, { disks, network, emptyCdromOption, shell: shellInFv, connection, ...(platform !== undefined ? { platform } : {}) }).filter(isAutoCreated);
    const r = refreshBootOptions(order, byNumber, enumerated);
    notes.push(...r.notes);
    if (r.notes.length === 0) return { order, byNumber };
    vars.set('BootOrder', EFI_GLOBAL_VARIABLE, encodeBootOrder(r.order));
    for (const o of r.added) vars.set(`Boot${hex4(o.number)}`, EFI_GLOBAL_VARIABLE, encodeBootOption(o));
    return { order: r.order, byNumber: r.byNumber };
  }
  const shell = findFileByGuid(sec.dxeFv.volume, UEFI_SHELL_FILE_GUID) !== undefined;
  const defaults = defaultOvmfBootOptions(m, sec.dxeFv.volume.guid, { disks, network, emptyCdromOption, shell, connection, ...(platform !== undefined ? { platform } : {}) });
  vars.set('BootOrder', EFI_GLOBAL_VARIABLE, encodeBootOrder(defaults.map((o) => o.number)));
  for (const o of defaults) vars.set(`Boot${hex4(o.number)}`, EFI_GLOBAL_VARIABLE, encodeBootOption(o));
  notes.push('BDS: fresh store: OVMF registers its default boot options');
  return { order: defaults.map((o) => o.number), byNumber: new Map(defaults.map((o) => [o.number, o])) };
}
