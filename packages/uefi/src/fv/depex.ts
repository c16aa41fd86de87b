/**
 * Dependency expressions (UEFI PI Specification 1.7: Volume 1, 3.2 for PEI_DEPEX; Volume 2,
 * 10.7-10.8 for DXE_DEPEX and MM_DEPEX): a postfix program of one-byte opcodes, PUSH/BEFORE/AFTER
 * followed by a GUID, ending with END.
 */
import { ByteReader, DecodeError, EFIGuid } from '@tcg2sim/binary-codec';

/** Dependency expression opcodes. */
export const EFI_DEP = {
  BEFORE: 0x00,
  AFTER: 0x01,
  PUSH: 0x02,
  AND: 0x03,
  OR: 0x04,
  NOT: 0x05,
  TRUE: 0x06,
  FALSE: 0x07,
  END: 0x08,
  SOR: 0x09,
} as const;

/** One decoded instruction. */
export type DepexOp =
  | { readonly op: 'BEFORE' | 'AFTER' | 'PUSH'; readonly guid: string }
  | { readonly op: 'AND' | 'OR' | 'NOT' | 'TRUE' | 'FALSE' | 'END' | 'SOR' };

const SIMPLE: Readonly<Record<number, 'AND' | 'OR' | 'NOT' | 'TRUE' | 'FALSE' | 'END' | 'SOR'>> = {
  [EFI_DEP.AND]: 'AND',
  [EFI_DEP.OR]: 'OR',
  [EFI_DEP.NOT]: 'NOT',
  [EFI_DEP.TRUE]: 'TRUE',
  [EFI_DEP.FALSE]: 'FALSE',
  [EFI_DEP.END]: 'END',
  [EFI_DEP.SOR]: 'SOR',
};
const WITH_GUID: Readonly<Record<number, 'BEFORE' | 'AFTER' | 'PUSH'>> = {
  [EFI_DEP.BEFORE]: 'BEFORE',
  [EFI_DEP.AFTER]: 'AFTER',
  [EFI_DEP.PUSH]: 'PUSH',
};

/**
 * Decodes a dependency expression. It must end with END at its last byte; an unknown opcode, a
 * GUID cut short, a missing END or bytes after it are a DecodeError (offsets inside `body`).
 */
export function decodeDepex(body: Uint8Array): DepexOp[] {
  const r = new ByteReader(body);
  const ops: DepexOp[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    const code = r.u8();
    const simple = SIMPLE[code];
    const withGuid = WITH_GUID[code];
    if (simple !== undefined) {
      ops.push({ op: simple });
      if (simple === 'END') {
        if (r.remaining !== 0) throw new DecodeError('TRAILING_BYTES', `${r.remaining} bytes after END`, r.offset, ['DEPEX']);
        return ops;
      }
    } else if (withGuid !== undefined) {
      ops.push({ op: withGuid, guid: EFIGuid.decode(r) });
    } else {
      throw new DecodeError('BAD_VALUE', `unknown dependency opcode 0x${code.toString(16)}`, at, ['DEPEX']);
    }
  }
  throw new DecodeError('SHORT_BUFFER', 'dependency expression has no END', r.offset, ['DEPEX']);
}

/** The text form of one instruction, as UEFITool prints it (`PUSH <GUID>`, `AND`). */
export function depexOpText(op: DepexOp): string {
  return 'guid' in op ? `${op.op} ${op.guid}` : op.op;
}
