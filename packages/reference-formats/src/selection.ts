/**
 * PCR selections in tpm2-tools' syntax (`sha256:0,1,2+sha1:0,7`, the `-l` option of
 * tpm2_pcrread, tpm2_quote and tpm2_createpolicy) and the PCR values they pick.
 */
import { hashAlgByName, hashAlgInfo, isHashAlg } from '@tcg2sim/hash-lib';
import type { TpmAlgHash } from '@tcg2sim/hash-lib';
import { pcrSelectBits } from '@tcg2sim/tpm2-command-lib';
import type { TPMLPCRSelection } from '@tcg2sim/tpm2-command-lib';
import { ReferenceError } from './errors.ts';

/** One bank of a selection: its PCRs ascending, without repeats. */
export interface BankSelection {
  readonly hashAlg: TpmAlgHash;
  readonly pcrs: readonly number[];
}

/** A PCR selection: banks in the order given (the order of TPML_PCR_SELECTION). */
export type PcrSelection = readonly BankSelection[];

/** PCR values per bank: what a TPM holds, or what an event log replays to. */
export type PcrBanks = ReadonlyMap<TpmAlgHash, ReadonlyMap<number, Uint8Array>>;

/**
 * The highest PCR a selection names: a PC-client TPM has 24 PCRs, and tpm2-tools marshals every
 * TPMS_PCR_SELECTION with 3 select bytes (PCR_SELECT_MIN).
 */
export const MAX_SELECTABLE_PCR = 23;

/** sizeofSelect of the selections written here (tpm2-tools' and EDK II's: 3 bytes, 24 PCRs). */
export const SIZEOF_SELECT = 3;

/** The default of `--pcrs`: the firmware's PCRs in the SHA-256 bank. */
export const DEFAULT_PCR_SELECTION = 'sha256:0,1,2,3,4,5,6,7';

/**
 * Parses `BANK:PCR,PCR,…[+BANK:…]`; a bank is a hash name (sha1, sha256, sha384, sha512,
 * sm3_256) or a TPM_ALG_ID number, a PCR a decimal number, `all` is PCRs 0 to 23.
 * @throws ReferenceError `BAD_SELECTION`
 */
export function parsePcrSelection(text: string): PcrSelection {
  const bad = (why: string): never => {
    throw new ReferenceError('BAD_SELECTION', `PCR selection ${JSON.stringify(text)}: ${why}`);
  };
  if (text.length > 1024) bad('longer than 1024 characters');
  const banks: BankSelection[] = [];
  for (const part of text.split('+')) {
    const colon = part.indexOf(':');
    if (colon < 0) bad(`"${part}" has no BANK: prefix`);
    const name = part.slice(0, colon).trim().toLowerCase();
    const alg = /^(0x[0-9a-f]+|\d+)$/.test(name) ? Number(name) : hashAlgByName(name)?.alg;
    if (alg === undefined || !isHashAlg(alg)) return bad(`unknown bank "${name}"`);
    if (banks.some((b) => b.hashAlg === alg)) bad(`bank ${name} named twice`);
    const list = part.slice(colon + 1).trim();
    const pcrs = new Set<number>();
    if (list === 'all') for (let i = 0; i < 24; i++) pcrs.add(i);
    else {
      for (const item of list.split(',')) {
        const t = item.trim();
        if (!/^\d{1,2}$/.test(t) || Number(t) > MAX_SELECTABLE_PCR) bad(`"${t}" is not a PCR number 0..${MAX_SELECTABLE_PCR}`);
        pcrs.add(Number(t));
      }
    }
    banks.push({ hashAlg: alg, pcrs: [...pcrs].sort((a, b) => a - b) });
  }
  return banks;
}

/** The selection in tpm2-tools' syntax (what {@link parsePcrSelection} reads). */
export function formatPcrSelection(sel: PcrSelection): string {
  return sel.map((b) => `${hashAlgInfo(b.hashAlg).name}:${b.pcrs.join(',')}`).join('+');
}

/** The selection as a TPM command carries it (TPML_PCR_SELECTION, {@link SIZEOF_SELECT} bytes). */
export function toTpmlPcrSelection(sel: PcrSelection): TPMLPCRSelection {
  return {
    pcrSelections: sel.map((b) => ({ hash: b.hashAlg, pcrSelect: pcrSelectBits(b.pcrs, SIZEOF_SELECT) })),
  };
}

/**
 * The selected values, bank by bank in selection order, PCRs ascending (the order of
 * TPM2_PCR_Read and TPM2_Quote).
 * @throws ReferenceError `MISSING_PCR`
 */
export function selectedValues(sel: PcrSelection, banks: PcrBanks): { readonly hashAlg: TpmAlgHash; readonly pcr: number; readonly value: Uint8Array }[] {
  const out: { hashAlg: TpmAlgHash; pcr: number; value: Uint8Array }[] = [];
  for (const b of sel) {
    const bank = banks.get(b.hashAlg);
    const name = hashAlgInfo(b.hashAlg).name;
    if (bank === undefined) throw new ReferenceError('MISSING_PCR', `no ${name} bank (the banks are ${[...banks.keys()].map((a) => hashAlgInfo(a).name).join(', ') || 'none'})`);
    for (const pcr of b.pcrs) {
      const value = bank.get(pcr);
      if (value === undefined) throw new ReferenceError('MISSING_PCR', `no value for ${name} PCR ${pcr}`);
      out.push({ hashAlg: b.hashAlg, pcr, value });
    }
  }
  return out;
}

/**
 * `banks` with every PCR 0..23 the input lacks at its value after TPM2_Startup(CLEAR) on a
 * PC-client TPM (PC Client PTP, PCR attributes): all ones for PCRs 17 to 22 (the DRTM PCRs), zeros
 * for the others. An event log only lists the PCRs it extends; the TPM still has the rest.
 */
export function withResetValues(banks: PcrBanks): PcrBanks {
  const out = new Map<TpmAlgHash, ReadonlyMap<number, Uint8Array>>();
  for (const [alg, bank] of banks) {
    const size = hashAlgInfo(alg).size;
    const full = new Map<number, Uint8Array>();
    for (let pcr = 0; pcr <= MAX_SELECTABLE_PCR; pcr++) full.set(pcr, bank.get(pcr) ?? new Uint8Array(size).fill(pcr >= 17 && pcr <= 22 ? 0xff : 0));
    out.set(alg, full);
  }
  return out;
}
