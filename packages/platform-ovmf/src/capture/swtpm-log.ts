/**
 * The TPM command stream as swtpm 0.7 logs it with `--log file=…,level=20`.
 *
 * At that level swtpm writes one block per message on each channel: a title line
 * (` SWTPM_IO_Read: length N` for a command QEMU sent on the data channel,
 * ` SWTPM_IO_Write: length N` for the response, ` Ctrl Cmd: length N` / ` Ctrl Rsp: length N` on
 * the control channel) followed by the bytes as space-separated hex, 16 per line. Other lines
 * (warnings, libtpms messages) are ignored. A data command and the next data response form one
 * record; the locality is the last one QEMU set with CMD_SET_LOCALITY (control command 5).
 */
import { fromHex, toHex } from '@tcg2sim/binary-codec';

/** One message block of the log. */
export interface SwtpmLogMessage {
  readonly kind: 'data-command' | 'data-response' | 'ctrl-command' | 'ctrl-response';
  readonly bytes: Uint8Array;
}

/** One TPM command and its response, in the order the TPM executed them. */
export interface TpmCommandRecord {
  /** 0-based position in the data-channel stream. */
  readonly index: number;
  /** Locality set by QEMU over the control channel before the command (0 until set). */
  readonly locality: number;
  /** TPM_CC of a TPM 2.0 command or TPM_ORD of a TPM 1.2 one (big-endian u32 at offset 6). */
  readonly commandCode: number;
  /** Spec name of the command (`TPM2_PCR_Extend`), or the hex code when not in the table. */
  readonly name: string;
  /**
   * `qemu-probe`: sent by QEMU itself before it first initialised the TPM (CMD_INIT), to learn
   * the TPM version; `firmware`: everything after, i.e. what the guest sent.
   */
  readonly origin: 'qemu-probe' | 'firmware';
  /** The command bytes, hex. */
  readonly command: string;
  /** The response bytes, hex (absent when the log ended before it). */
  readonly response?: string;
  /** TPM_RC of the response (big-endian u32 at offset 6). */
  readonly responseCode?: number;
  /** Control-channel commands (hex, command code first) QEMU sent since the previous record. */
  readonly ctrlBefore: readonly string[];
}

const TITLES: ReadonlyMap<string, SwtpmLogMessage['kind']> = new Map([
  ['SWTPM_IO_Read', 'data-command'],
  ['SWTPM_IO_Write', 'data-response'],
  ['Ctrl Cmd', 'ctrl-command'],
  ['Ctrl Rsp', 'ctrl-response'],
]);
const TITLE_RE = /^\s*(SWTPM_IO_Read|SWTPM_IO_Write|Ctrl Cmd|Ctrl Rsp): length (\d+)\s*$/;
const HEX_LINE_RE = /^\s*(?:[0-9A-Fa-f]{2}\s+)*[0-9A-Fa-f]{2}\s*$/;
/** CMD_INIT and CMD_SET_LOCALITY of swtpm's control protocol (`include/swtpm/tpm_ioctl.h`). */
const CMD_INIT = 2;
const CMD_SET_LOCALITY = 5;

/** Names of the command codes seen on this path (TPM 2.0 Part 2 §6.5.2 TPM_CC; TPM 1.2 TPM_ORD). */
const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [0x000000f1, 'TPM_ORD_GetTicks (TPM 1.2)'],
  [0x0000011f, 'TPM2_NV_UndefineSpaceSpecial'],
  [0x00000121, 'TPM2_Clear'],
  [0x00000124, 'TPM2_HierarchyControl'],
  [0x00000129, 'TPM2_HierarchyChangeAuth'],
  [0x0000012a, 'TPM2_NV_DefineSpace'],
  [0x0000012b, 'TPM2_PCR_Allocate'],
  [0x00000131, 'TPM2_CreatePrimary'],
  [0x00000137, 'TPM2_NV_Write'],
  [0x00000143, 'TPM2_SelfTest'],
  [0x00000144, 'TPM2_Startup'],
  [0x00000145, 'TPM2_Shutdown'],
  [0x0000014e, 'TPM2_NV_Read'],
  [0x00000169, 'TPM2_NV_ReadPublic'],
  [0x0000017a, 'TPM2_GetCapability'],
  [0x0000017b, 'TPM2_GetRandom'],
  [0x0000017e, 'TPM2_PCR_Read'],
  [0x00000181, 'TPM2_ReadClock'],
  [0x00000182, 'TPM2_PCR_Extend'],
  [0x00000185, 'TPM2_PCR_Event'],
]);
/** A message longer than this is not something swtpm logs (its buffers are at most 4 KiB). */
const MAX_MESSAGE = 0x10000;

/** Splits an swtpm log into its message blocks. Blocks whose hex is shorter than announced are kept truncated. */
export function parseSwtpmLog(text: string): SwtpmLogMessage[] {
  const out: SwtpmLogMessage[] = [];
  let kind: SwtpmLogMessage['kind'] | undefined;
  let want = 0;
  let hex = '';
  const flush = (): void => {
    if (kind !== undefined) out.push({ kind, bytes: fromHex(hex.slice(0, want * 2)) });
    kind = undefined;
    hex = '';
  };
  for (const line of text.split('\n')) {
    const t = TITLE_RE.exec(line);
    if (t) {
      flush();
      kind = TITLES.get(t[1] ?? '');
      want = Math.min(Number(t[2]), MAX_MESSAGE);
      continue;
    }
    if (kind !== undefined && hex.length < want * 2 && HEX_LINE_RE.test(line)) {
      hex += line.replace(/\s+/g, '');
      continue;
    }
    flush();
  }
  flush();
  return out;
}

function u32be(b: Uint8Array, at: number): number | undefined {
  if (b.length < at + 4) return undefined;
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Pairs data-channel commands with their responses and attaches the locality. */
export function tpmCommandStream(messages: readonly SwtpmLogMessage[]): TpmCommandRecord[] {
  const out: TpmCommandRecord[] = [];
  let locality = 0;
  let ctrl: string[] = [];
  let initialised = false;
  let pending: { command: Uint8Array; locality: number; ctrl: string[]; origin: TpmCommandRecord['origin'] } | undefined;
  const emit = (response?: Uint8Array): void => {
    if (!pending) return;
    const responseCode = response ? u32be(response, 6) : undefined;
    const commandCode = u32be(pending.command, 6) ?? 0;
    out.push({
      index: out.length,
      locality: pending.locality,
      commandCode,
      name: COMMAND_NAMES.get(commandCode) ?? `0x${commandCode.toString(16).padStart(8, '0')}`,
      origin: pending.origin,
      command: toHex(pending.command),
      ...(response ? { response: toHex(response) } : {}),
      ...(responseCode !== undefined ? { responseCode } : {}),
      ctrlBefore: pending.ctrl,
    });
    pending = undefined;
  };
  for (const m of messages) {
    switch (m.kind) {
      case 'ctrl-command':
        ctrl.push(toHex(m.bytes));
        if (u32be(m.bytes, 0) === CMD_SET_LOCALITY && m.bytes.length >= 5) locality = m.bytes[4] ?? 0;
        if (u32be(m.bytes, 0) === CMD_INIT) initialised = true;
        break;
      case 'ctrl-response':
        break;
      case 'data-command':
        emit();
        pending = { command: m.bytes, locality, ctrl, origin: initialised ? 'firmware' : 'qemu-probe' };
        ctrl = [];
        break;
      case 'data-response':
        emit(m.bytes);
        break;
    }
  }
  emit();
  return out;
}
