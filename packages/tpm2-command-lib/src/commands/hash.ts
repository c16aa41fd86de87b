/**
 * Hashing and hash/event sequences (TPM 2.0 Library Part 3 rev 1.59, 15.4 and 17.5-17.8). EDK II
 * sends the sequence commands only from HashLibTpm2, which OVMF does not link (docs/edk2-pei.md §7.8).
 */
import { struct, u32be } from '@tcg2sim/binary-codec';
import { TPM_CC } from '../constants.ts';
import { NoParams, defineCommand } from '../command.ts';
import { TPM2BAuth, TPM2BDigest, TPM2BMaxBuffer, TPMIAlgHash, TPMIAlgHashOrNull, TPMLDigestValues } from '../structures/basic.ts';
import { TPMTTKHashcheck } from '../structures/misc.ts';

/**
 * TPM2_Hash (Part 3, 15.4): TPM2B_MAX_BUFFER data; TPMI_ALG_HASH hashAlg; TPMI_RH_HIERARCHY+
 * hierarchy. Returns TPM2B_DIGEST outHash; TPMT_TK_HASHCHECK validation.
 */
export const Hash = defineCommand({
  name: 'TPM2_Hash',
  cc: TPM_CC.Hash,
  handles: [],
  params: struct('TPM2_Hash', { data: TPM2BMaxBuffer, hashAlg: TPMIAlgHash, hierarchy: u32be }),
  responseHandles: [],
  response: struct('TPM2_Hash_Response', { outHash: TPM2BDigest, validation: TPMTTKHashcheck }),
});

/**
 * TPM2_HashSequenceStart (Part 3, 17.5): TPM2B_AUTH auth; TPMI_ALG_HASH+ hashAlg (TPM_ALG_NULL
 * starts an event sequence). Returns the sequenceHandle (a response handle).
 */
export const HashSequenceStart = defineCommand({
  name: 'TPM2_HashSequenceStart',
  cc: TPM_CC.HashSequenceStart,
  handles: [],
  params: struct('TPM2_HashSequenceStart', { auth: TPM2BAuth, hashAlg: TPMIAlgHashOrNull }),
  responseHandles: ['sequenceHandle'],
  response: NoParams,
});

/** TPM2_SequenceUpdate (Part 3, 17.6): @sequenceHandle (USER); TPM2B_MAX_BUFFER buffer. */
export const SequenceUpdate = defineCommand({
  name: 'TPM2_SequenceUpdate',
  cc: TPM_CC.SequenceUpdate,
  handles: [{ name: 'sequenceHandle', auth: 'USER' }],
  params: struct('TPM2_SequenceUpdate', { buffer: TPM2BMaxBuffer }),
  responseHandles: [],
  response: NoParams,
});

/**
 * TPM2_SequenceComplete (Part 3, 17.7): @sequenceHandle (USER); TPM2B_MAX_BUFFER buffer;
 * TPMI_RH_HIERARCHY+ hierarchy. Returns TPM2B_DIGEST result; TPMT_TK_HASHCHECK validation.
 */
export const SequenceComplete = defineCommand({
  name: 'TPM2_SequenceComplete',
  cc: TPM_CC.SequenceComplete,
  handles: [{ name: 'sequenceHandle', auth: 'USER' }],
  params: struct('TPM2_SequenceComplete', { buffer: TPM2BMaxBuffer, hierarchy: u32be }),
  responseHandles: [],
  response: struct('TPM2_SequenceComplete_Response', { result: TPM2BDigest, validation: TPMTTKHashcheck }),
});

/**
 * TPM2_EventSequenceComplete (Part 3, 17.8): @pcrHandle (USER, may be TPM_RH_NULL);
 * @sequenceHandle (USER); TPM2B_MAX_BUFFER buffer. Returns TPML_DIGEST_VALUES results and
 * extends them into the PCR.
 */
export const EventSequenceComplete = defineCommand({
  name: 'TPM2_EventSequenceComplete',
  cc: TPM_CC.EventSequenceComplete,
  handles: [{ name: 'pcrHandle', auth: 'USER' }, { name: 'sequenceHandle', auth: 'USER' }],
  params: struct('TPM2_EventSequenceComplete', { buffer: TPM2BMaxBuffer }),
  responseHandles: [],
  response: struct('TPM2_EventSequenceComplete_Response', { results: TPMLDigestValues }),
});
