/**
 * The SMM state a pre-PlatformInitLib PlatformPei (edk2-stable202005 to 202205, SMM_REQUIRE
 * builds: the *.secboot.fd images) keeps in its `.data` in PEIFV, besides the globals of
 * legacy-globals.ts (OvmfPkg/PlatformPei/MemDetect.c, Platform.c of those releases):
 *
 * - `mQ35TsegMbytes` (UINT16): Q35TsegMbytesInitialization stores the extended TSEG size QEMU
 *   reports (MCH_EXT_TSEG_MBYTES; 16 on QEMU 7.2's q35), right after comparing the register with
 *   the query value (`cmp r16, 0xFFFF`): the first 16-bit store after that compare.
 * - `mQ35SmramAtDefaultSmbase` (BOOLEAN): Q35SmramAtDefaultSmbaseInitialization reads
 *   MCH_DEFAULT_SMBASE_CTL back and stores whether it reads 1 (`dec r8; sete al`, then a byte
 *   store of AL): TRUE on QEMU 7.2.
 *
 * With SMM, PublishPeiMemory also moves the S3 reservation below TSEG. Checked against guest RAM
 * of a real boot of Debian bullseye's OVMF_CODE_4M.secboot.fd (q35, smm=on).
 */
import type { XipImage } from './locate.ts';
import { findBytes, scanMemRefs } from './x86-mem-refs.ts';

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
  for (let i = 0; i + 4 <= b.length && tsegMbytes === undefined; i++) {
    if (b[i] !== 0x66 || b[i + 1] !== 0x83 || ((b[i + 2] ?? 0) & 0xf8) !== 0xf8 || b[i + 3] !== 0xff) continue;
    tsegMbytes = refs.find((r) => r.kind === 'store-reg' && r.size === 2 && r.at > i && r.at < i + 0x60)?.target;
  }
  let smramAtDefaultSmbase: number | undefined;
  for (const at of findBytes(b, [0x0f, 0x94, 0xc0])) {
    // `CtlReg == MCH_DEFAULT_SMBASE_IN_RAM (1)` compiles to `dec r8` just before the sete.
    if (![1, 2, 3, 4].some((k) => b[at - k - 1] === 0xfe && ((b[at - k] ?? 0) & 0xf8) === 0xc8)) continue;
    const st = refs.find((r) => r.kind === 'store-reg' && r.size === 1 && r.reg === 0 && r.at >= at + 3 && r.at <= at + 8);
    if (st !== undefined) {
      smramAtDefaultSmbase = st.target;
      break;
    }
  }
  return { ...(tsegMbytes === undefined ? {} : { tsegMbytes }), ...(smramAtDefaultSmbase === undefined ? {} : { smramAtDefaultSmbase }) };
}
