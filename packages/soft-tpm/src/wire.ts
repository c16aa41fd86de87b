/**
 * Unmarshalling of command bytes the way libtpms does it (src/tpm2/Unmarshal.c): each reader
 * consumes from a bounded window and fails with the TPM_RC libtpms gives for that failure
 * (TPM_RC_INSUFFICIENT for missing bytes, TPM_RC_SIZE for an oversized TPM2B, TPM_RC_VALUE /
 * TPM_RC_HASH / TPM_RC_RESERVED_BITS for bad values). The caller adds the handle, parameter or
 * session number. The failure is thrown as an RcError, which never leaves the soft TPM: the
 * dispatcher turns it into a response.
 */
import { ALG, HR, KNOWN_ST, NV_ATTR, RC, RH, SESSION_ATTR } from './constants.ts';
import { HASH_COUNT_ALGS, digestLength } from './algs.ts';

/** A TPM response code travelling up from a failed unmarshal or a failed check. */
export class RcError extends Error {
  override readonly name = 'RcError';
  /** The response code (format-one codes without a number yet, unless the thrower added one). */
  readonly rc: number;
  constructor(rc: number) {
    super(`TPM_RC 0x${rc.toString(16)}`);
    this.rc = rc;
  }
}

/** Throw an RcError. */
export function fail(rc: number): never {
  throw new RcError(rc);
}

/** A bounded big-endian reader over a command buffer. */
export class CommandReader {
  readonly buf: Uint8Array;
  pos: number;
  end: number;
  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }
  /** Bytes left in the window. */
  get remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.remaining < 1) fail(RC.INSUFFICIENT);
    return this.buf[this.pos++] ?? 0;
  }
  u16(): number {
    if (this.remaining < 2) fail(RC.INSUFFICIENT);
    const b = this.buf;
    const v = ((b[this.pos] ?? 0) << 8) | (b[this.pos + 1] ?? 0);
    this.pos += 2;
    return v;
  }
  u32(): number {
    if (this.remaining < 4) fail(RC.INSUFFICIENT);
    const b = this.buf;
    const p = this.pos;
    const v = ((b[p] ?? 0) * 0x1000000 + (((b[p + 1] ?? 0) << 16) | ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0)));
    this.pos += 4;
    return v;
  }
  /** Array_Unmarshal: exactly n bytes (a view into the command). */
  bytes(n: number): Uint8Array {
    if (n > this.remaining) fail(RC.INSUFFICIENT);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** TPM2B_Unmarshal when only the size matters: the size, the bytes skipped. */
  tpm2bSize(max: number): number {
    const size = this.u16();
    if (size > max) fail(RC.SIZE);
    if (size > this.remaining) fail(RC.INSUFFICIENT);
    this.pos += size;
    return size;
  }
  /** TPM2B_Unmarshal: UINT16 size, TPM_RC_SIZE above `max`, then the bytes. */
  tpm2b(max: number): Uint8Array {
    const size = this.u16();
    if (size > max) fail(RC.SIZE);
    return this.bytes(size);
  }
}

/** sizeof(TPMU_HA) with SHA-512 implemented: the bound of TPM2B_DIGEST, NONCE and AUTH. */
export const MAX_DIGEST = 64;
/** MAX_DIGEST_BUFFER in libtpms: the bound of TPM2B_MAX_BUFFER and TPM2B_EVENT. */
export const MAX_BUFFER = 1024;
/** MAX_NV_BUFFER_SIZE in libtpms. */
export const MAX_NV_BUFFER = 1024;
/** MAX_NV_INDEX_SIZE in libtpms. */
export const MAX_NV_INDEX_SIZE = 2048;
/** PCR_SELECT_MIN = PCR_SELECT_MAX = 3 (24 PCRs). */
export const PCR_SELECT_SIZE = 3;

/** TPMI_ST_COMMAND_TAG: TPM_ST first (unknown values: TPM_RC_VALUE), then TPM_RC_BAD_TAG. */
export function readCommandTag(r: CommandReader): number {
  const tag = r.u16();
  if (!KNOWN_ST.has(tag)) fail(RC.VALUE);
  if (tag !== 0x8001 && tag !== 0x8002) fail(RC.BAD_TAG);
  return tag;
}

/** TPMI_ALG_HASH(+): one of the implemented banks, or TPM_ALG_NULL when allowed; else TPM_RC_HASH. */
export function readAlgHash(r: CommandReader, allowNull: boolean): number {
  const alg = r.u16();
  if (HASH_COUNT_ALGS.includes(alg)) return alg;
  if (alg === ALG.NULL && allowNull) return alg;
  return fail(RC.HASH);
}

/** TPMI_YES_NO. */
export function readYesNo(r: CommandReader): boolean {
  const v = r.u8();
  if (v > 1) fail(RC.VALUE);
  return v === 1;
}

/** TPM_SU. */
export function readSu(r: CommandReader): number {
  const v = r.u16();
  if (v !== 0 && v !== 1) fail(RC.VALUE);
  return v;
}

/** TPMS_PCR_SELECTION: hash (no NULL), sizeofSelect exactly 3, the select bytes. */
export interface PcrSelection {
  hash: number;
  select: Uint8Array;
}

/** TPML_PCR_SELECTION: count <= HASH_COUNT (TPM_RC_SIZE), then each selection. */
export function readPcrSelectionList(r: CommandReader): PcrSelection[] {
  const count = r.u32();
  if (count > HASH_COUNT_ALGS.length) fail(RC.SIZE);
  const out: PcrSelection[] = [];
  for (let i = 0; i < count; i++) {
    const hash = readAlgHash(r, false);
    const size = r.u8();
    if (size !== PCR_SELECT_SIZE) fail(RC.VALUE);
    out.push({ hash, select: Uint8Array.from(r.bytes(size)) });
  }
  return out;
}

/** One TPMT_HA of a TPML_DIGEST_VALUES: its hash and where its digest lies in the command. */
export interface TaggedDigest {
  hashAlg: number;
  /** Offset of the digest (digestLength(hashAlg) bytes) in the command buffer. */
  at: number;
}

/**
 * TPML_DIGEST_VALUES: count <= HASH_COUNT (TPM_RC_SIZE), each TPMT_HA without NULL. The digests
 * stay in the command buffer (`r.buf`), which lives until the command's response is made.
 */
export function readDigestValues(r: CommandReader): TaggedDigest[] {
  const count = r.u32();
  if (count > HASH_COUNT_ALGS.length) fail(RC.SIZE);
  const out: TaggedDigest[] = [];
  for (let i = 0; i < count; i++) {
    const hashAlg = readAlgHash(r, false);
    const n = digestLength(hashAlg);
    if (n > r.remaining) fail(RC.INSUFFICIENT);
    out.push({ hashAlg, at: r.pos });
    r.pos += n;
  }
  return out;
}

/** TPMI_RH_HIERARCHY(+): owner, platform, endorsement (null when allowed). */
export function readHierarchy(r: CommandReader, allowNull: boolean): number {
  const h = r.u32();
  if (h === RH.OWNER || h === RH.PLATFORM || h === RH.ENDORSEMENT) return h;
  if (h === RH.NULL && allowNull) return h;
  return fail(RC.VALUE);
}

/** Handle kinds a command's handle area can hold, each with libtpms' TPMI_ check. */
export type HandleKind =
  | 'pcr'
  | 'pcr+'
  | 'platform'
  | 'provision'
  | 'nvAuth'
  | 'nvIndex'
  | 'object';

/** Unmarshal one handle of `kind` (TPM_RC_VALUE when outside the TPMI_ type). */
export function readHandle(r: CommandReader, kind: HandleKind): number {
  const h = r.u32();
  const isNv = h >= HR.NV_FIRST && h <= HR.NV_LAST;
  let ok: boolean;
  switch (kind) {
    case 'pcr':
      ok = h <= HR.PCR_LAST;
      break;
    case 'pcr+':
      ok = h <= HR.PCR_LAST || h === RH.NULL;
      break;
    case 'platform':
      ok = h === RH.PLATFORM;
      break;
    case 'provision':
      ok = h === RH.OWNER || h === RH.PLATFORM;
      break;
    case 'nvAuth':
      ok = h === RH.OWNER || h === RH.PLATFORM || isNv;
      break;
    case 'nvIndex':
      ok = isNv;
      break;
    case 'object':
      ok =
        (h >= HR.TRANSIENT_FIRST && h <= HR.TRANSIENT_LAST) ||
        (h >= HR.PERSISTENT_FIRST && h <= HR.PERSISTENT_LAST);
      break;
  }
  if (!ok) fail(RC.VALUE);
  return h;
}

/** TPMI_SH_AUTH_SESSION with the password session allowed. */
export function readSessionHandle(r: CommandReader): number {
  const h = r.u32();
  const ok =
    h === RH.PW ||
    (h >= HR.HMAC_FIRST && h <= HR.HMAC_LAST) ||
    (h >= HR.POLICY_FIRST && h <= HR.POLICY_LAST);
  if (!ok) fail(RC.VALUE);
  return h;
}

/** TPMA_SESSION: reserved bits 3-4 give TPM_RC_RESERVED_BITS. */
export function readSessionAttributes(r: CommandReader): number {
  const a = r.u8();
  if ((a & SESSION_ATTR.RESERVED) !== 0) fail(RC.RESERVED_BITS);
  return a;
}

/** TPMS_NV_PUBLIC as unmarshalled (libtpms order and checks). */
export interface NvPublic {
  nvIndex: number;
  nameAlg: number;
  attributes: number;
  authPolicy: Uint8Array;
  dataSize: number;
}

/** TPM2B_NV_PUBLIC: size 0 is TPM_RC_SIZE, the inner structure must fill it exactly. */
export function readNvPublic2b(r: CommandReader): NvPublic {
  const size = r.u16();
  if (size === 0) fail(RC.SIZE);
  const start = r.remaining;
  const nvIndex = readHandle(r, 'nvIndex');
  const nameAlg = readAlgHash(r, false);
  const attributes = r.u32();
  if ((attributes & NV_ATTR.RESERVED) !== 0) fail(RC.RESERVED_BITS);
  const authPolicy = Uint8Array.from(r.tpm2b(MAX_DIGEST));
  const dataSize = r.u16();
  if (dataSize > MAX_NV_INDEX_SIZE) fail(RC.SIZE);
  if (start - r.remaining !== size) fail(RC.SIZE);
  return { nvIndex, nameAlg, attributes, authPolicy, dataSize };
}
