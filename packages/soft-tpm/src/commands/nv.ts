/**
 * TPM2_NV_DefineSpace, NV_UndefineSpace, NV_ReadPublic, NV_Read, NV_Write (Part 3, 31) as
 * libtpms 0.9 NVCommands.c checks them. Every index type can be defined; only ordinary indices
 * can be written (NV_Write on a counter, bits or extend index is TPM_RC_ATTRIBUTES; the commands
 * that write those, NV_Increment / NV_SetBits / NV_Extend, are not implemented).
 */
import { ByteWriter } from '@tcg2sim/binary-codec';
import { command, EMPTY } from '../command.ts';
import { NV_ATTR, RC, RC_1, RC_H, RC_P, RH } from '../constants.ts';
import { writeNvPublicAndName } from '../marshal.ts';
import { defineNv, deleteNv, findNv, hasAttr, nameSize, nvName, nvReadAccess, nvType, nvWriteAccess } from '../nv.ts';
import { MAX_DIGEST, MAX_NV_BUFFER, MAX_NV_INDEX_SIZE, readNvPublic2b } from '../wire.ts';

/** TPM_NT values (Part 2, 13.4, Table 206). */
const NT = { ORDINARY: 0, COUNTER: 1, BITS: 2, EXTEND: 4, PIN_FAIL: 8, PIN_PASS: 9 } as const;
const NV_TYPES: readonly number[] = Object.values(NT);

const P1 = RC_P + RC_1;
const P2 = RC_P + 2 * RC_1;
const H1 = RC_H + RC_1;
const H2 = RC_H + 2 * RC_1;

function stripTrailingZeros(b: Uint8Array): Uint8Array {
  let n = b.length;
  while (n > 0 && b[n - 1] === 0) n--;
  return b.subarray(0, n);
}

/** TPM2_NV_DefineSpace (ordinary indices). */
export const NV_DefineSpace = command({
  cc: 0x12a,
  name: 'NV_DefineSpace',
  handles: ['provision'],
  authHandles: 1,
  parse: (p) => {
    const auth = p.next((r) => r.tpm2b(MAX_DIGEST));
    const pub = p.next(readNvPublic2b);
    return ({ state, handles }) => {
      const authHandle = handles[0] ?? 0;
      const a = pub.attributes;
      const has = (bit: number): boolean => hasAttr(a, bit);
      const nameLen = nameSize(pub);
      if (pub.authPolicy.length !== 0 && pub.authPolicy.length !== nameLen) return RC.SIZE + P2;
      const authValue = stripTrailingZeros(auth);
      if (authValue.length > nameLen) return RC.SIZE + P1;
      if (authHandle === RH.PLATFORM && !state.volatile.phEnableNV) return RC.HIERARCHY + H1;
      const type = nvType(a);
      if (!NV_TYPES.includes(type)) return RC.ATTRIBUTES + P2;
      if (type === NT.ORDINARY) {
        if (pub.dataSize > MAX_NV_INDEX_SIZE) return RC.SIZE + P2;
      } else if (type === NT.EXTEND) {
        if (pub.dataSize !== nameLen) return RC.SIZE + P2;
      } else if (pub.dataSize !== 8) return RC.SIZE + P2;
      if (type === NT.COUNTER && has(NV_ATTR.CLEAR_STCLEAR)) return RC.ATTRIBUTES + P2;
      if (type === NT.PIN_FAIL && !has(NV_ATTR.NO_DA)) return RC.ATTRIBUTES + P2;
      if ((type === NT.PIN_FAIL || type === NT.PIN_PASS) && (has(NV_ATTR.AUTHWRITE) || has(NV_ATTR.GLOBALLOCK) || has(NV_ATTR.WRITEDEFINE))) {
        return RC.ATTRIBUTES + P2;
      }
      if (has(NV_ATTR.WRITTEN) || has(NV_ATTR.WRITELOCKED) || has(NV_ATTR.READLOCKED)) return RC.ATTRIBUTES + P2;
      if (!has(NV_ATTR.OWNERREAD) && !has(NV_ATTR.PPREAD) && !has(NV_ATTR.AUTHREAD) && !has(NV_ATTR.POLICYREAD)) return RC.ATTRIBUTES + P2;
      if (!has(NV_ATTR.OWNERWRITE) && !has(NV_ATTR.PPWRITE) && !has(NV_ATTR.AUTHWRITE) && !has(NV_ATTR.POLICYWRITE)) return RC.ATTRIBUTES + P2;
      if (has(NV_ATTR.CLEAR_STCLEAR) && has(NV_ATTR.WRITEDEFINE)) return RC.ATTRIBUTES + P2;
      if (has(NV_ATTR.PLATFORMCREATE) !== (authHandle === RH.PLATFORM)) return RC.ATTRIBUTES + H1;
      if (has(NV_ATTR.POLICY_DELETE) && authHandle !== RH.PLATFORM) return RC.ATTRIBUTES + P2;
      if (pub.dataSize > MAX_NV_BUFFER && has(NV_ATTR.WRITEALL)) return RC.SIZE + P2;
      if (findNv(state.persistent, pub.nvIndex) !== undefined) return RC.NV_DEFINED;
      const rc = defineNv(state.persistent, pub, authValue);
      return rc === RC.SUCCESS ? EMPTY : rc;
    };
  },
});

/** TPM2_NV_UndefineSpace. */
export const NV_UndefineSpace = command({
  cc: 0x122,
  name: 'NV_UndefineSpace',
  handles: ['provision', 'nvIndex'],
  authHandles: 1,
  parse: () => ({ state, handles }) => {
    const authHandle = handles[0] ?? 0;
    const index = findNv(state.persistent, handles[1] ?? 0);
    if (index === undefined) return RC.HANDLE + H2;
    if (hasAttr(index.pub.attributes, NV_ATTR.POLICY_DELETE)) return RC.ATTRIBUTES + H2;
    if (authHandle === RH.OWNER && hasAttr(index.pub.attributes, NV_ATTR.PLATFORMCREATE)) return RC.NV_AUTHORIZATION;
    deleteNv(state.persistent, index.pub.nvIndex);
    return EMPTY;
  },
});

/** TPM2_NV_ReadPublic: TPM2B_NV_PUBLIC and the index's Name. */
export const NV_ReadPublic = command({
  cc: 0x169,
  name: 'NV_ReadPublic',
  handles: ['nvIndex'],
  parse: () => ({ state, handles }) => {
    const index = findNv(state.persistent, handles[0] ?? 0);
    if (index === undefined) return RC.HANDLE + H1;
    const w = new ByteWriter(256);
    writeNvPublicAndName(w, index.pub, nvName(index.pub));
    return { params: w.finish() };
  },
});

/** TPM2_NV_Read. */
export const NV_Read = command({
  cc: 0x14e,
  name: 'NV_Read',
  handles: ['nvAuth', 'nvIndex'],
  authHandles: 1,
  parse: (p) => {
    const size = p.next((r) => r.u16());
    const offset = p.next((r) => r.u16());
    return ({ state, handles }) => {
      const index = findNv(state.persistent, handles[1] ?? 0);
      if (index === undefined) return RC.HANDLE + H2;
      const rc = nvReadAccess(handles[0] ?? 0, index);
      if (rc !== RC.SUCCESS) return rc;
      if (size > MAX_NV_BUFFER) return RC.VALUE + P1;
      if (offset > index.pub.dataSize) return RC.VALUE + RC_P + 2 * RC_1;
      if (size > index.pub.dataSize - offset) return RC.NV_RANGE;
      const w = new ByteWriter(2 + size);
      w.u16be(size).bytes(index.data.subarray(offset, offset + size));
      return { params: w.finish() };
    };
  },
});

/** TPM2_NV_Write: the first write sets TPMA_NV_WRITTEN. */
export const NV_Write = command({
  cc: 0x137,
  name: 'NV_Write',
  handles: ['nvAuth', 'nvIndex'],
  authHandles: 1,
  parse: (p) => {
    const data = p.next((r) => Uint8Array.from(r.tpm2b(MAX_NV_BUFFER)));
    const offset = p.next((r) => r.u16());
    return ({ state, handles }) => {
      const index = findNv(state.persistent, handles[1] ?? 0);
      if (index === undefined) return RC.HANDLE + H2;
      const rc = nvWriteAccess(handles[0] ?? 0, index);
      if (rc !== RC.SUCCESS) return rc;
      const type = nvType(index.pub.attributes);
      if (type === NT.COUNTER || type === NT.BITS || type === NT.EXTEND) return RC.ATTRIBUTES;
      if (offset > index.pub.dataSize) return RC.VALUE + RC_P + 2 * RC_1;
      if (data.length > index.pub.dataSize - offset) return RC.NV_RANGE;
      if (hasAttr(index.pub.attributes, NV_ATTR.WRITEALL) && data.length < index.pub.dataSize) return RC.NV_RANGE;
      index.data.set(data, offset);
      index.pub.attributes = (index.pub.attributes | NV_ATTR.WRITTEN) >>> 0;
      return EMPTY;
    };
  },
});
