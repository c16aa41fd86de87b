/**
 * The SMM state a pre-PlatformInitLib PlatformPei (edk2-stable202005 to 202205, SMM_REQUIRE
 * builds: the *.secboot.fd images) keeps in its `.data` in PEIFV, besides the globals of
 * legacy-globals.ts (OvmfPkg/PlatformPei/MemDetect.c, Platform.c of those releases):
 *
 * - `mQ35TsegMbytes` (UINT16): Q35TsegMbytesInitialization stores the extended TSEG size QEMU
 *   reports (MCH_EXT_TSEG_MBYTES; 16 on QEMU 7.2's q35), right after comparing the register with
 *   the query value (`cmp r16, 0xFFFF`; `cmp r12w, 0xFFFF` with a REX prefix in Debian 11's
 *   X64 code): the first 16-bit store after that compare.
 * - `mQ35SmramAtDefaultSmbase` (BOOLEAN): Q35SmramAtDefaultSmbaseInitialization reads
 *   MCH_DEFAULT_SMBASE_CTL back and stores whether it reads 1 (`dec r8; sete r8`, then a byte
 *   store of that register: AL in IA32 code, DL in Ubuntu 22.04's and Debian 11's X64
 *   PlatformPei): TRUE on QEMU 7.2.
 *
 * With SMM, PublishPeiMemory also moves the S3 reservation below TSEG. Checked against guest RAM
 * of real boots of Debian bullseye's OVMF_CODE_4M.secboot.fd (IA32 PEI, q35, smm=on) and of
 * Ubuntu 22.04's 2 MiB OVMF_CODE.secboot.fd (X64 PEI, q35, smm=on, S3 disabled:
 * s3-verification.ts).
 */
import type { XipImage } from './locate.ts';
import { X64, findBytes, scanMemRefs } from './x86-mem-refs.ts';

/** QEMU 7.2 q35 `mch.extended-tseg-mbytes`. */
export const QEMU_EXTENDED_TSEG_MBYTES = 16;

/** RVAs of the two SMM globals, when found. */
export interface LegacySmmGlobals {
  readonly tsegMbytes?: number;
  readonly smramAtDefaultSmbase?: number;
}

export function locateLegacySmmGlobals(img: XipImage, data: { start: number; end: number }): LegacySmmGlobals {
  const b = img.image;
  const refs = scanMemRefs(img).filter((r) => r.target >= data.start && r.target + r.size <= data.end);
  let tsegMbytes: number | undefined;
  for (let i = 0; i + 5 <= b.length && tsegMbytes === undefined; i++) {
    // 66 [REX.B] 83 F8+r FF: a REX prefix (X64) when the register is r8w-r15w
    const o = img.machine === X64 && ((b[i + 1] ?? 0) & 0xf0) === 0x40 ? 1 : 0;
    if (b[i] !== 0x66 || b[i + 1 + o] !== 0x83 || ((b[i + 2 + o] ?? 0) & 0xf8) !== 0xf8 || b[i + 3 + o] !== 0xff) continue;
    tsegMbytes = refs.find((r) => r.kind === 'store-reg' && r.size === 2 && r.at > i && r.at < i + 0x60)?.target;
  }
  let smramAtDefaultSmbase: number | undefined;
  for (const at of findBytes(b, [0x0f, 0x94])) {
    // `CtlReg == MCH_DEFAULT_SMBASE_IN_RAM (1)` compiles to `dec r8` just before the sete.
    const modrm = b[at + 2] ?? 0;
    if ((modrm & 0xf8) !== 0xc0) continue;
    // (the compiler may put an unrelated `mov ecx, imm32` between them: Debian 11's X64 code)
    if (![1, 2, 3, 4, 5, 6, 7, 8].some((k) => b[at - k - 1] === 0xfe && ((b[at - k] ?? 0) & 0xf8) === 0xc8)) continue;
    const st = refs.find((r) => r.kind === 'store-reg' && r.size === 1 && r.reg === (modrm & 7) && r.at >= at + 3 && r.at <= at + 8);
    if (st !== undefined) {
      smramAtDefaultSmbase = st.target;
      break;
    }
  }
  return { ...(tsegMbytes === undefined ? {} : { tsegMbytes }), ...(smramAtDefaultSmbase === undefined ? {} : { smramAtDefaultSmbase }) };
}
