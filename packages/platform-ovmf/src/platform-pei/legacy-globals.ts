/**
 * PlatformPei before PlatformInitLib (edk2-stable202005 to edk2-stable202205: Debian bullseye's
 * 2020.11, Ubuntu jammy's 2022.02, unRAID's 2020 build): its state lives in separate globals
 * in its `.data` (OvmfPkg/PlatformPei/Platform.c, MemDetect.c), which it fills while executing
 * in place from PEIFV, before Tcg2Pei measures PEIFV. Checked against guest RAM of real boots
 * (q35 and pc, IA32 and X64 PEI): on a non-SMM boot these are all the bytes that differ.
 *
 * Each global is found by the code that uses it, not by symbols (release builds have none):
 *
 * | Global | Found by |
 * |---|---|
 * | mHostBridgeDevId (UINT16) | `cmp word [g], 0x29C0` (INTEL_Q35_MCH_DEVICE_ID) |
 * | mQemuUc32Base (UINT32) | `mov dword [g], 0xB0000000` (Q35: PcdPciExpressBaseAddress) |
 * | mPhysMemAddressWidth (UINT8) | `mov/cmp byte [g], 0x24` (at least 36 bits) or a byte store after `cmp al, 0x24` |
 * | mS3Supported (BOOLEAN) | `cmp byte [g], 0` guarding the S3 reservation (below), else the `mov byte [g], 1` just before `mov dword [mBootMode], 0x11` (BOOT_ON_S3_RESUME) |
 * | mQemuFwCfgSupported, mQemuFwCfgDmaSupported | `mov byte [a], 1; mov byte [a±1], 0` (QemuFwCfgInitialize) |
 * | mSevStatusChecked (MemEncryptSevLib) | the last `mov byte [g], 1` after the MSR_SEV_STATUS (0xC0010131) read |
 * | mMaxCpuCount (UINT32), mS3AcpiReservedMemoryBase/Size | `mov r, [g]; shl r, 15 (or imul r, [PcdCpuApStackSize]); add r, 0x80000` (AP stacks + 512 KiB), then the two stores |
 */
import type { XipImage } from './locate.ts';
import { findBytes, scanMemRefs } from './x86-mem-refs.ts';
import type { MemRef } from './x86-mem-refs.ts';

/** The globals a pre-PlatformInitLib PlatformPei writes before PEIFV is measured. */
export const LEGACY_GLOBALS = [
  'hostBridgeDevId', 'qemuUc32Base', 'physMemAddressWidth', 's3Supported', 'fwCfgSupported', 'fwCfgDmaSupported',
  'sevStatusChecked', 'maxCpuCount', 's3AcpiReservedMemoryBase', 's3AcpiReservedMemorySize',
] as const;
export type LegacyGlobalName = (typeof LEGACY_GLOBALS)[number];

export const LEGACY_GLOBAL_SIZE: Readonly<Record<LegacyGlobalName, 1 | 2 | 4>> = {
  hostBridgeDevId: 2, qemuUc32Base: 4, physMemAddressWidth: 1, s3Supported: 1, fwCfgSupported: 1, fwCfgDmaSupported: 1,
  sevStatusChecked: 1, maxCpuCount: 4, s3AcpiReservedMemoryBase: 4, s3AcpiReservedMemorySize: 4,
};

/** Where each global sits (RVA in PlatformPei), what was not found, and the evidence. */
export interface LegacyPlatformPeiLayout {
  readonly found: Partial<Readonly<Record<LegacyGlobalName, number>>>;
  readonly missing: readonly LegacyGlobalName[];
  readonly evidence: readonly string[];
}

const MSR_SEV_STATUS = [0x31, 0x01, 0x01, 0xc0];
const hex = (n: number): string => `0x${n.toString(16)}`;

function mostFrequent(refs: readonly MemRef[]): number | undefined {
  const count = new Map<number, number>();
  for (const r of refs) count.set(r.target, (count.get(r.target) ?? 0) + 1);
  let best: number | undefined;
  let n = 0;
  for (const [t, c] of count) if (c > n) [best, n] = [t, c];
  return best;
}

/**
 * Whether PlatformPei keeps its state in globals of the pre-PlatformInitLib kind: it compares a
 * `.data` word with the Q35 host bridge ID (later releases keep it in a HOB they reach by pointer).
 */
export function hasLegacyPlatformGlobals(img: XipImage, data: { start: number; end: number }): boolean {
  return scanMemRefs(img).some((r) => r.kind === 'cmp-imm' && r.size === 2 && r.imm === 0x29c0 && r.target >= data.start && r.target + 2 <= data.end);
}

/** Locates the globals of a pre-PlatformInitLib PlatformPei by its code (see the module comment). */
export function locateLegacyPlatformGlobals(img: XipImage, data: { start: number; end: number }): LegacyPlatformPeiLayout {
  const refs = scanMemRefs(img).filter((r) => r.target >= data.start && r.target + r.size <= data.end);
  const b = img.image;
  const found: Partial<Record<LegacyGlobalName, number>> = {};
  const evidence: string[] = [];
  const put = (name: LegacyGlobalName, rva: number | undefined, why: string): void => {
    if (rva === undefined || found[name] !== undefined) return;
    found[name] = rva;
    evidence.push(`${name} at image+${hex(rva)}: ${why}`);
  };

  put('hostBridgeDevId', mostFrequent(refs.filter((r) => r.kind === 'cmp-imm' && r.size === 2 && r.imm === 0x29c0)), 'cmp word [g], 0x29C0');
  put('qemuUc32Base', refs.find((r) => r.kind === 'mov-imm' && r.size === 4 && r.imm === 0xb0000000)?.target, 'mov dword [g], 0xB0000000');
  const width = refs.find((r) => (r.kind === 'mov-imm' || r.kind === 'cmp-imm') && r.size === 1 && r.imm === 0x24);
  if (width !== undefined) put('physMemAddressWidth', width.target, 'mov/cmp byte [g], 0x24');
  else {
    for (const at of [...findBytes(b, [0x3c, 0x24]), ...findBytes(b, [0x80, 0xf8, 0x24])]) {
      const st = refs.find((r) => r.kind === 'store-reg' && r.size === 1 && r.at > at && r.at <= at + 12);
      if (st !== undefined) {
        put('physMemAddressWidth', st.target, `byte store after cmp r8, 0x24 at image+${hex(at)}`);
        break;
      }
    }
  }
  locateS3Reservation(b, refs, put);
  const s3Resume = refs.find((r) => r.kind === 'mov-imm' && r.size === 4 && r.imm === 0x11);
  if (s3Resume !== undefined) {
    const s3 = refs.filter((r) => r.kind === 'mov-imm' && r.size === 1 && r.imm === 1 && r.at < s3Resume.at && r.at >= s3Resume.at - 0x40).at(-1);
    put('s3Supported', s3?.target, `mov byte [g], 1 before mBootMode = BOOT_ON_S3_RESUME at image+${hex(s3Resume.at)}`);
  }
  for (let k = 0; k + 1 < refs.length; k++) {
    const a = refs[k];
    const c = refs[k + 1];
    if (a === undefined || c === undefined) continue;
    if (a.kind === 'mov-imm' && a.size === 1 && a.imm === 1 && c.kind === 'mov-imm' && c.size === 1 && c.imm === 0 && c.at === a.end && Math.abs(c.target - a.target) === 1) {
      put('fwCfgSupported', a.target, `mov byte [a], 1; mov byte [a+1], 0 at image+${hex(a.at)}`);
      put('fwCfgDmaSupported', c.target, 'the byte beside mQemuFwCfgSupported');
      break;
    }
  }
  for (const at of findBytes(b, MSR_SEV_STATUS)) {
    const last = refs.filter((r) => r.kind === 'mov-imm' && r.size === 1 && r.imm === 1 && r.at > at && r.at <= at + 0x80).at(-1);
    if (last !== undefined) {
      put('sevStatusChecked', last.target, `last mov byte [g], 1 after MSR_SEV_STATUS at image+${hex(at)}`);
      break;
    }
  }
  const missing = LEGACY_GLOBALS.filter((n) => found[n] === undefined);
  return { found, missing, evidence };
}

/**
 * PublishPeiMemory's S3 reservation: `if (mS3Supported)` (`cmp byte [s3], 0`), then
 * `mov r, [mMaxCpuCount]`, times PcdCpuApStackSize (`shl r, 15`, or `imul r, [pcd]` where the PCD
 * is patchable), `add r, 0x80000` (512 KiB), and the stores of the size (r) and the base.
 */
function locateS3Reservation(b: Uint8Array, refs: readonly MemRef[], put: (n: LegacyGlobalName, rva: number | undefined, why: string) => void): void {
  for (let i = 0; i + 6 <= b.length; i++) {
    let r: number;
    let after: number;
    if (b[i] === 0x05 && b[i + 1] === 0 && b[i + 2] === 0 && b[i + 3] === 0x08 && b[i + 4] === 0) {
      r = 0;
      after = i + 5;
    } else if (b[i] === 0x81 && ((b[i + 1] ?? 0) & 0xf8) === 0xc0 && b[i + 2] === 0 && b[i + 3] === 0 && b[i + 4] === 0x08 && b[i + 5] === 0) {
      r = (b[i + 1] ?? 0) & 7;
      after = i + 6;
    } else continue;
    // shl r, 15 (C1 E0+r 0F) or imul r, [disp32] (0F AF modrm(00 r 101) disp32) just before.
    const shl = b[i - 3] === 0xc1 && b[i - 2] === (0xe0 | r) && b[i - 1] === 0x0f;
    const imul = b[i - 7] === 0x0f && b[i - 6] === 0xaf && b[i - 5] === (0x05 | (r << 3));
    const scaled = shl || imul;
    if (!scaled) continue;
    const load = refs.filter((x) => x.kind === 'load-reg' && x.size === 4 && x.reg === r && x.end <= i && x.end >= i - 20).at(-1);
    const stores = refs.filter((x) => x.kind === 'store-reg' && x.size === 4 && x.at >= after && x.at < after + 16);
    const size = stores.find((x) => x.reg === r);
    const base = stores.find((x) => x.reg !== r);
    if (load === undefined || size === undefined || base === undefined) continue;
    put('maxCpuCount', load.target, `mov r32, [g]; times the AP stack size; add r32, 0x80000 at image+${hex(i)}`);
    put('s3AcpiReservedMemorySize', size.target, 'store of that sum');
    put('s3AcpiReservedMemoryBase', base.target, 'the store beside it');
    const test = refs.filter((x) => x.kind === 'cmp-imm' && x.size === 1 && x.imm === 0 && x.at < load.at && x.at >= load.at - 0x30).at(-1);
    put('s3Supported', test?.target, `cmp byte [g], 0 guarding the S3 reservation at image+${hex(i)}`);
    return;
  }
}
