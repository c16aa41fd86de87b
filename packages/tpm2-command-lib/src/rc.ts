/**
 * TPM_RC response codes (TPM 2.0 Library Part 2, 6.6, Tables 15-17) and {@link TpmResponseError}
 * (docs/style.md §5, after go-tpm `tpm2/errors.go`).
 *
 * Layout of a response code (Part 2, 6.6.2, Figure 2/3):
 * - bit 7 (F) clear: format zero. bit 8 (V) set = a TPM 2.0 code; V clear = a TPM 1.2 code
 *   (only TPM_RC_BAD_TAG, 0x01E, is defined). bit 10 (T) = vendor defined, bit 11 (S) = warning.
 *   bits 6:0 are the error number.
 * - bit 7 set: format one. bits 5:0 are the error number, bit 6 (P) says a parameter is at
 *   fault, with its number in bits 11:8 (1-15). With P clear, bit 11 picks session (set) or
 *   handle (clear), numbered in bits 10:8 (1-7, 0 = unspecified).
 */
import { Tcg2Error } from '@tcg2sim/binary-codec';
import { ccName, TPM_ST } from './constants.ts';

type ValueOf<T> = T[keyof T];

/** RC_VER1, RC_FMT1, RC_WARN, TPM_RC_H/P/S and TPM_RC_N_SHIFT (Part 2, 6.6.3, Table 16). */
export const RC_VER1 = 0x100;
export const RC_FMT1 = 0x080;
export const RC_WARN = 0x900;
export const TPM_RC_H = 0x000;
export const TPM_RC_P = 0x040;
export const TPM_RC_S = 0x800;
export const TPM_RC_N_SHIFT = 8;
/** Bit 10 (T): a vendor-defined format-zero code. */
export const RC_VENDOR_BIT = 0x400;

/**
 * TPM_RC (Part 2, 6.6.3, Table 16): every format-zero error, format-one error and warning,
 * keys without the `TPM_RC_` prefix. Codes after ECC_POINT and READ_ONLY are from Part 2
 * rev 1.83/184 (firmware-limited hierarchies, secure channel); libtpms does not send them.
 * Format-one values are the canonical ones (no handle/parameter/session number).
 */
export const TPM_RC = {
  SUCCESS: 0x000,
  BAD_TAG: 0x01e,
  // format zero (RC_VER1 + n)
  INITIALIZE: RC_VER1 + 0x000,
  FAILURE: RC_VER1 + 0x001,
  SEQUENCE: RC_VER1 + 0x003,
  PRIVATE: RC_VER1 + 0x00b,
  HMAC: RC_VER1 + 0x019,
  DISABLED: RC_VER1 + 0x020,
  EXCLUSIVE: RC_VER1 + 0x021,
  AUTH_TYPE: RC_VER1 + 0x024,
  AUTH_MISSING: RC_VER1 + 0x025,
  POLICY: RC_VER1 + 0x026,
  PCR: RC_VER1 + 0x027,
  PCR_CHANGED: RC_VER1 + 0x028,
  UPGRADE: RC_VER1 + 0x02d,
  TOO_MANY_CONTEXTS: RC_VER1 + 0x02e,
  AUTH_UNAVAILABLE: RC_VER1 + 0x02f,
  REBOOT: RC_VER1 + 0x030,
  UNBALANCED: RC_VER1 + 0x031,
  COMMAND_SIZE: RC_VER1 + 0x042,
  COMMAND_CODE: RC_VER1 + 0x043,
  AUTHSIZE: RC_VER1 + 0x044,
  AUTH_CONTEXT: RC_VER1 + 0x045,
  NV_RANGE: RC_VER1 + 0x046,
  NV_SIZE: RC_VER1 + 0x047,
  NV_LOCKED: RC_VER1 + 0x048,
  NV_AUTHORIZATION: RC_VER1 + 0x049,
  NV_UNINITIALIZED: RC_VER1 + 0x04a,
  NV_SPACE: RC_VER1 + 0x04b,
  NV_DEFINED: RC_VER1 + 0x04c,
  BAD_CONTEXT: RC_VER1 + 0x050,
  CPHASH: RC_VER1 + 0x051,
  PARENT: RC_VER1 + 0x052,
  NEEDS_TEST: RC_VER1 + 0x053,
  NO_RESULT: RC_VER1 + 0x054,
  SENSITIVE: RC_VER1 + 0x055,
  READ_ONLY: RC_VER1 + 0x056,
  // format one (RC_FMT1 + n)
  ASYMMETRIC: RC_FMT1 + 0x001,
  ATTRIBUTES: RC_FMT1 + 0x002,
  HASH: RC_FMT1 + 0x003,
  VALUE: RC_FMT1 + 0x004,
  HIERARCHY: RC_FMT1 + 0x005,
  KEY_SIZE: RC_FMT1 + 0x007,
  MGF: RC_FMT1 + 0x008,
  MODE: RC_FMT1 + 0x009,
  TYPE: RC_FMT1 + 0x00a,
  HANDLE: RC_FMT1 + 0x00b,
  KDF: RC_FMT1 + 0x00c,
  RANGE: RC_FMT1 + 0x00d,
  AUTH_FAIL: RC_FMT1 + 0x00e,
  NONCE: RC_FMT1 + 0x00f,
  PP: RC_FMT1 + 0x010,
  SCHEME: RC_FMT1 + 0x012,
  SIZE: RC_FMT1 + 0x015,
  SYMMETRIC: RC_FMT1 + 0x016,
  TAG: RC_FMT1 + 0x017,
  SELECTOR: RC_FMT1 + 0x018,
  INSUFFICIENT: RC_FMT1 + 0x01a,
  SIGNATURE: RC_FMT1 + 0x01b,
  KEY: RC_FMT1 + 0x01c,
  POLICY_FAIL: RC_FMT1 + 0x01d,
  INTEGRITY: RC_FMT1 + 0x01f,
  TICKET: RC_FMT1 + 0x020,
  RESERVED_BITS: RC_FMT1 + 0x021,
  BAD_AUTH: RC_FMT1 + 0x022,
  EXPIRED: RC_FMT1 + 0x023,
  POLICY_CC: RC_FMT1 + 0x024,
  BINDING: RC_FMT1 + 0x025,
  CURVE: RC_FMT1 + 0x026,
  ECC_POINT: RC_FMT1 + 0x027,
  FW_LIMITED: RC_FMT1 + 0x028,
  SVN_LIMITED: RC_FMT1 + 0x029,
  PARMS: RC_FMT1 + 0x02a,
  EXT_MU: RC_FMT1 + 0x02b,
  ONE_SHOT_SIGNATURE: RC_FMT1 + 0x02c,
  SIGN_CONTEXT_KEY: RC_FMT1 + 0x02d,
  CHANNEL: RC_FMT1 + 0x030,
  CHANNEL_KEY: RC_FMT1 + 0x031,
  // warnings (RC_WARN + n)
  CONTEXT_GAP: RC_WARN + 0x001,
  OBJECT_MEMORY: RC_WARN + 0x002,
  SESSION_MEMORY: RC_WARN + 0x003,
  MEMORY: RC_WARN + 0x004,
  SESSION_HANDLES: RC_WARN + 0x005,
  OBJECT_HANDLES: RC_WARN + 0x006,
  LOCALITY: RC_WARN + 0x007,
  YIELDED: RC_WARN + 0x008,
  CANCELED: RC_WARN + 0x009,
  TESTING: RC_WARN + 0x00a,
  REFERENCE_H0: RC_WARN + 0x010,
  REFERENCE_H1: RC_WARN + 0x011,
  REFERENCE_H2: RC_WARN + 0x012,
  REFERENCE_H3: RC_WARN + 0x013,
  REFERENCE_H4: RC_WARN + 0x014,
  REFERENCE_H5: RC_WARN + 0x015,
  REFERENCE_H6: RC_WARN + 0x016,
  REFERENCE_S0: RC_WARN + 0x018,
  REFERENCE_S1: RC_WARN + 0x019,
  REFERENCE_S2: RC_WARN + 0x01a,
  REFERENCE_S3: RC_WARN + 0x01b,
  REFERENCE_S4: RC_WARN + 0x01c,
  REFERENCE_S5: RC_WARN + 0x01d,
  REFERENCE_S6: RC_WARN + 0x01e,
  NV_RATE: RC_WARN + 0x020,
  LOCKOUT: RC_WARN + 0x021,
  RETRY: RC_WARN + 0x022,
  NV_UNAVAILABLE: RC_WARN + 0x023,
  NOT_USED: RC_WARN + 0x07f,
} as const;
export type TPM_RC = ValueOf<typeof TPM_RC>;
/** A key of {@link TPM_RC} (`VALUE`). */
export type TpmRcKey = keyof typeof TPM_RC;

/** The descriptions of Part 2 Table 16, next to the codes (go-tpm `fmt0Descs`/`fmt1Descs`). */
const RC_DESCRIPTIONS: Readonly<Record<TpmRcKey, string>> = {
  SUCCESS: 'success',
  BAD_TAG: 'defined for compatibility with TPM 1.2: the command tag is not valid',
  INITIALIZE: 'TPM not initialized by TPM2_Startup or already initialized',
  FAILURE: 'commands not being accepted because of a TPM failure',
  SEQUENCE: 'improper use of a sequence handle',
  PRIVATE: 'not currently used',
  HMAC: 'not currently used',
  DISABLED: 'the command is disabled',
  EXCLUSIVE: 'command failed because audit sequence required exclusivity',
  AUTH_TYPE: 'authorization handle is not correct for command',
  AUTH_MISSING: 'command requires an authorization session for handle and it is not present',
  POLICY: 'policy failure in math operation or an invalid authPolicy value',
  PCR: 'PCR check fail',
  PCR_CHANGED: 'PCR have changed since checked',
  UPGRADE: 'the TPM is in (or not in) field upgrade mode as the command requires',
  TOO_MANY_CONTEXTS: 'context ID counter is at maximum',
  AUTH_UNAVAILABLE: 'authValue or authPolicy is not available for selected entity',
  REBOOT: 'a _TPM_Init and Startup(CLEAR) is required before the TPM can resume operation',
  UNBALANCED: 'the protection algorithms (hash and symmetric) are not reasonably balanced',
  COMMAND_SIZE: 'command commandSize value is inconsistent with contents of the command buffer',
  COMMAND_CODE: 'command code not supported',
  AUTHSIZE: 'the value of authorizationSize is out of range or the authorization area is too large',
  AUTH_CONTEXT: 'use of an authorization session with a command that cannot have one',
  NV_RANGE: 'NV offset+size is out of range',
  NV_SIZE: 'requested allocation size is larger than allowed',
  NV_LOCKED: 'NV access locked',
  NV_AUTHORIZATION: 'NV access authorization fails in command actions',
  NV_UNINITIALIZED: 'an NV Index is used before being initialized or the state saved by TPM2_Shutdown(STATE) could not be restored',
  NV_SPACE: 'insufficient space for NV allocation',
  NV_DEFINED: 'NV Index or persistent object already defined',
  BAD_CONTEXT: 'context in TPM2_ContextLoad() is not valid',
  CPHASH: 'cpHash value already set or not correct for use',
  PARENT: 'handle for parent is not a valid parent',
  NEEDS_TEST: 'some function needs testing',
  NO_RESULT: 'an internal function cannot process a request due to an unspecified problem',
  SENSITIVE: 'the sensitive area did not unmarshal correctly after decryption',
  READ_ONLY: 'the TPM is in the read-only mode of operation',
  ASYMMETRIC: 'asymmetric algorithm not supported or not correct',
  ATTRIBUTES: 'inconsistent attributes',
  HASH: 'hash algorithm not supported or not appropriate',
  VALUE: 'value is out of range or is not correct for the context',
  HIERARCHY: 'hierarchy is not enabled or is not correct for the use',
  KEY_SIZE: 'key size is not supported',
  MGF: 'mask generation function not supported',
  MODE: 'mode of operation not supported',
  TYPE: 'the type of the value is not appropriate for the use',
  HANDLE: 'the handle is not correct for the use',
  KDF: 'unsupported key derivation function or function not appropriate for use',
  RANGE: 'value was out of allowed range',
  AUTH_FAIL: 'the authorization HMAC check failed and DA counter incremented',
  NONCE: 'invalid nonce size or nonce value mismatch',
  PP: 'authorization requires assertion of PP',
  SCHEME: 'unsupported or incompatible scheme',
  SIZE: 'structure is the wrong size',
  SYMMETRIC: 'unsupported symmetric algorithm or key size, or not appropriate for instance',
  TAG: 'incorrect structure tag',
  SELECTOR: 'union selector is incorrect',
  INSUFFICIENT: 'the TPM was unable to unmarshal a value because there were not enough octets in the input buffer',
  SIGNATURE: 'the signature is not valid',
  KEY: 'key fields are not compatible with the selected use',
  POLICY_FAIL: 'a policy check failed',
  INTEGRITY: 'integrity check failed',
  TICKET: 'invalid ticket',
  RESERVED_BITS: 'reserved bits not set to zero as required',
  BAD_AUTH: 'authorization failure without DA implications',
  EXPIRED: 'the policy has expired',
  POLICY_CC: 'the commandCode in the policy is not the commandCode of the command or the command is not implemented',
  BINDING: 'public and sensitive portions of an object are not cryptographically bound',
  CURVE: 'curve not supported',
  ECC_POINT: 'point is not on the required curve',
  FW_LIMITED: 'the hierarchy is firmware-limited but the Firmware Secret is unavailable',
  SVN_LIMITED: 'the hierarchy is SVN-limited but the Firmware SVN Secret is unavailable',
  PARMS: 'parameter set not supported',
  EXT_MU: 'external-mu is not supported',
  ONE_SHOT_SIGNATURE: 'the TPM does not support signing arbitrarily long messages with this key',
  SIGN_CONTEXT_KEY: 'the key finishing the signature context is not the one that started it',
  CHANNEL: 'command requires secure channel protection',
  CHANNEL_KEY: 'secure channel was not established with the required requester or TPM key',
  CONTEXT_GAP: 'gap for context ID is too large',
  OBJECT_MEMORY: 'out of memory for object contexts',
  SESSION_MEMORY: 'out of memory for session contexts',
  MEMORY: 'out of shared object/session memory or need space for internal operations',
  SESSION_HANDLES: 'out of session handles',
  OBJECT_HANDLES: 'out of object handles',
  LOCALITY: 'bad locality',
  YIELDED: 'the TPM has suspended operation on the command; forward progress was made and the command may be retried',
  CANCELED: 'the command was canceled',
  TESTING: 'TPM is performing self-tests',
  REFERENCE_H0: 'the 1st handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H1: 'the 2nd handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H2: 'the 3rd handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H3: 'the 4th handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H4: 'the 5th handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H5: 'the 6th handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_H6: 'the 7th handle in the handle area references a transient object or session that is not loaded',
  REFERENCE_S0: 'the 1st authorization session handle references a session that is not loaded',
  REFERENCE_S1: 'the 2nd authorization session handle references a session that is not loaded',
  REFERENCE_S2: 'the 3rd authorization session handle references a session that is not loaded',
  REFERENCE_S3: 'the 4th authorization session handle references a session that is not loaded',
  REFERENCE_S4: 'the 5th authorization session handle references a session that is not loaded',
  REFERENCE_S5: 'the 6th authorization session handle references a session that is not loaded',
  REFERENCE_S6: 'the 7th authorization session handle references a session that is not loaded',
  NV_RATE: 'the TPM is rate-limiting accesses to prevent wearout of NV',
  LOCKOUT: 'authorizations for objects subject to DA protection are not allowed at this time',
  RETRY: 'the TPM was not able to start the command',
  NV_UNAVAILABLE: 'the command may require writing of NV and NV is not current accessible',
  NOT_USED: 'this value is reserved and shall not be returned by the TPM',
};

/**
 * TPM 1.2 return codes (TPM Main Part 2 rev 116, 16: TPM_BASE + n). A TPM 2.0 answers a
 * command with a TPM 1.2 tag (e.g. EDK II's TPM 1.2 probe, TPM_ORD_GetTicks) in the 1.2
 * response format, tag TPM_ST_RSP_COMMAND (0x00C4).
 */
export const TPM12_RC = {
  AUTHFAIL: 0x01,
  BADINDEX: 0x02,
  BAD_PARAMETER: 0x03,
  AUDITFAILURE: 0x04,
  CLEAR_DISABLED: 0x05,
  DEACTIVATED: 0x06,
  DISABLED: 0x07,
  DISABLED_CMD: 0x08,
  FAIL: 0x09,
  BAD_ORDINAL: 0x0a,
  INSTALL_DISABLED: 0x0b,
  INVALID_KEYHANDLE: 0x0c,
  KEYNOTFOUND: 0x0d,
  INAPPROPRIATE_ENC: 0x0e,
  MIGRATEFAIL: 0x0f,
  INVALID_PCR_INFO: 0x10,
  NOSPACE: 0x11,
  NOSRK: 0x12,
  NOTSEALED_BLOB: 0x13,
  OWNER_SET: 0x14,
  RESOURCES: 0x15,
  SHORTRANDOM: 0x16,
  SIZE: 0x17,
  WRONGPCRVAL: 0x18,
  BAD_PARAM_SIZE: 0x19,
  SHA_THREAD: 0x1a,
  SHA_ERROR: 0x1b,
  FAILEDSELFTEST: 0x1c,
  AUTH2FAIL: 0x1d,
  BADTAG: 0x1e,
  IOERROR: 0x1f,
  ENCRYPT_ERROR: 0x20,
  DECRYPT_ERROR: 0x21,
  INVALID_AUTHHANDLE: 0x22,
  NO_ENDORSEMENT: 0x23,
  INVALID_KEYUSAGE: 0x24,
  WRONG_ENTITYTYPE: 0x25,
  INVALID_POSTINIT: 0x26,
  INAPPROPRIATE_SIG: 0x27,
  BAD_KEY_PROPERTY: 0x28,
  BAD_MIGRATION: 0x29,
  BAD_SCHEME: 0x2a,
  BAD_DATASIZE: 0x2b,
  BAD_MODE: 0x2c,
  BAD_PRESENCE: 0x2d,
  BAD_VERSION: 0x2e,
} as const;
export type TPM12_RC = ValueOf<typeof TPM12_RC>;

const RC_BY_VALUE = new Map<number, TpmRcKey>();
for (const [k, v] of Object.entries(TPM_RC)) {
  // Object.entries loses the key type; every key comes from TPM_RC itself.
  const key = k as TpmRcKey;
  if (!RC_BY_VALUE.has(v)) RC_BY_VALUE.set(v, key);
}
const RC12_BY_VALUE = new Map<number, string>(Object.entries(TPM12_RC).map(([k, v]) => [v, `TPM_${k}`]));

/** What a response code is. */
export type RcFormat = 'success' | 'fmt0' | 'fmt1' | 'warning' | 'vendor' | 'tpm12';
/** The part of a command a format-one code blames. */
export type RcSubject = 'handle' | 'parameter' | 'session';

/** A response code taken apart (Part 2, 6.6.2). */
export interface DecodedRc {
  /** The raw 32-bit value from the response header. */
  readonly rc: number;
  readonly format: RcFormat;
  /** The code without handle/parameter/session number (equal to `rc` for format zero). */
  readonly canonical: number;
  /** Spec name of `canonical` (`TPM_RC_VALUE`, `TPM_BADTAG`, `TPM_RC(0x…)` when unknown). */
  readonly name: string;
  readonly description: string;
  /** Format one: what is at fault; absent when the TPM did not say. */
  readonly subject?: RcSubject;
  /** 1-based handle/parameter/session number; absent when the TPM did not say. */
  readonly index?: number;
  /** A warning (bit 11 of a format-zero code): the command may succeed if retried. */
  readonly isWarning: boolean;
}

/**
 * Takes `rc` apart. `tag` is the response tag when known: with the TPM 1.2 response tag
 * (0x00C4) the code is read as a TPM 1.2 return code.
 * @throws RangeError when `rc` is not a 32-bit unsigned integer
 */
export function decodeRc(rc: number, tag?: number): DecodedRc {
  if (!Number.isInteger(rc) || rc < 0 || rc > 0xffffffff) {
    throw new RangeError(`"rc" expected a 32-bit unsigned integer, got ${rc}`);
  }
  const hex = `0x${rc.toString(16).padStart(3, '0')}`;
  if (rc === 0) return { rc, format: 'success', canonical: 0, name: 'TPM_RC_SUCCESS', description: RC_DESCRIPTIONS.SUCCESS, isWarning: false };
  // Format zero with V clear is a TPM 1.2 code; the 1.2 response tag marks the whole response
  // as TPM 1.2 format. 0x01E is TPM_RC_BAD_TAG (= TPM_BADTAG), how a TPM 2.0 rejects a bad tag.
  if (tag === TPM_ST.RSP_COMMAND || (rc & (RC_FMT1 | RC_VER1)) === 0) {
    const name = rc === TPM_RC.BAD_TAG ? 'TPM_RC_BAD_TAG' : (RC12_BY_VALUE.get(rc) ?? `TPM_RC(${hex})`);
    const description = rc === TPM_RC.BAD_TAG ? RC_DESCRIPTIONS.BAD_TAG : 'TPM 1.2 return code';
    return { rc, format: 'tpm12', canonical: rc, name, description, isWarning: false };
  }
  if ((rc & RC_FMT1) !== 0) {
    const canonical = RC_FMT1 | (rc & 0x3f);
    const n = (rc >>> TPM_RC_N_SHIFT) & 0xf;
    let subject: RcSubject | undefined;
    let index: number | undefined;
    if ((rc & TPM_RC_P) !== 0) {
      subject = 'parameter';
      index = n;
    } else if ((rc & TPM_RC_S) !== 0) {
      subject = 'session';
      index = n & 0x7;
    } else if (n !== 0) {
      subject = 'handle';
      index = n;
    }
    return {
      rc, format: 'fmt1', canonical, ...named(canonical),
      ...(subject !== undefined && index !== undefined && index !== 0 ? { subject, index } : {}),
      isWarning: false,
    };
  }
  const isWarning = (rc & 0x800) !== 0;
  if ((rc & RC_VENDOR_BIT) !== 0) {
    return { rc, format: 'vendor', canonical: rc, name: `TPM_RC_VENDOR(${hex})`, description: 'vendor-defined response code', isWarning };
  }
  return { rc, format: isWarning ? 'warning' : 'fmt0', canonical: rc, ...named(rc), isWarning };
}

function named(code: number): { name: string; description: string } {
  const key = RC_BY_VALUE.get(code);
  if (key === undefined) return { name: `TPM_RC(0x${code.toString(16).padStart(3, '0')})`, description: 'unknown response code' };
  return { name: `TPM_RC_${key}`, description: RC_DESCRIPTIONS[key] };
}

/** Spec name of a response code (canonical part): `rcName(0x1c4)` is `TPM_RC_VALUE`. */
export function rcName(rc: number, tag?: number): string {
  return decodeRc(rc, tag).name;
}

/** `TPM_RC_VALUE (parameter 1)`, `TPM_RC_RETRY (warning)`, `TPM_BADTAG (TPM 1.2)`. */
export function formatRc(rc: number, tag?: number): string {
  const d = decodeRc(rc, tag);
  if (d.subject !== undefined && d.index !== undefined) return `${d.name} (${d.subject} ${d.index})`;
  if (d.isWarning) return `${d.name} (warning)`;
  if (d.format === 'tpm12' && d.rc !== TPM_RC.BAD_TAG) return `${d.name} (TPM 1.2)`;
  return d.name;
}

/**
 * A TPM answered with a non-zero response code. Branch on `code` (the canonical spec name),
 * `is(TPM_RC.X)`, `subject`/`index` and `isWarning`, never on the message.
 */
export class TpmResponseError extends Tcg2Error {
  override readonly name = 'TpmResponseError';
  /** The raw response code. */
  readonly rc: number;
  /** The response code without handle/parameter/session number. */
  readonly canonical: number;
  /** Spec name of the canonical code (`TPM_RC_VALUE`). */
  readonly code: string;
  readonly format: RcFormat;
  readonly subject: RcSubject | undefined;
  readonly index: number | undefined;
  readonly isWarning: boolean;
  /** True when the TPM answered in the TPM 1.2 format (tag 0x00C4 or a 1.2 code). */
  readonly isTpm12: boolean;
  /** The command code of the failed command, when known. */
  readonly commandCode: number | undefined;
  /** The response tag, when known. */
  readonly tag: number | undefined;

  constructor(rc: number, options?: { readonly commandCode?: number; readonly tag?: number; readonly cause?: unknown }) {
    const d = decodeRc(rc, options?.tag);
    const what = formatRc(rc, options?.tag);
    const cc = options?.commandCode;
    super(cc === undefined ? what : `${ccName(cc).replace(/^TPM_CC_/, 'TPM2_')}: ${what}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.rc = rc;
    this.canonical = d.canonical;
    this.code = d.name;
    this.format = d.format;
    this.subject = d.subject;
    this.index = d.index;
    this.isWarning = d.isWarning;
    this.isTpm12 = d.format === 'tpm12';
    this.commandCode = cc;
    this.tag = options?.tag;
  }

  /** True when this error is `code`: its canonical code, or the exact raw code. */
  is(code: number): boolean {
    return this.canonical === code || this.rc === code;
  }
}
