import { OVMF_202211_EVENT, OVMF_202211_EVENTS } from '@tcg2sim/test-support';

/**
 * A real event log: Debian OVMF 2022.11 (OVMF_CODE_4M.fd + a fresh OVMF_VARS_4M.fd) on QEMU q35
 * (TCG) with swtpm (TPM 2.0, SHA1/256/384/512 active) on tpm-tis and QEMU's default e1000e NIC,
 * taken with the monitor's pmemsave while BDS was trying PXE boot, then cut at the 0xFF free
 * space with decodeEventLogFromMemory (8067 bytes, 32 events). Event 10 is the iPXE option ROM
 * driver (PCR2); events 28-31 are the Returning/Calling pairs of the PXE boot options.
 */
export const OVMF_202211_PXE_LOG_HEX = [
  OVMF_202211_EVENTS.head,
  OVMF_202211_EVENT.peiFvQ35Pmemsave,
  OVMF_202211_EVENT.dxeFv,
  OVMF_202211_EVENTS.secureBootPolicy,
  '02000000040000800400000004002ff434b4a8c1abed6eb11146e83e3153517fcbb30b005fdd42d1b9ce2aa779d6732619d7dd6b306c4f2f480546c6' +
  '6497e712cc44cced0c00e0ee33221cd262ba1b42e483310284db9a1dea76747e68f1b41e77285628effbe03ff8ae1f7f5c9c5f3c8d9ab27adf420d00' +
  '9a7241aceb2ce044f3c7f0c053fa7b42ba7b182cbf04f0a44d227f6245fdae1dc4e60fef653a311303465a32f0c0146e176beb62283b2f44742e34e9' +
  '127ca3054e00000018404a0e00000000c8a902000000000000000000000000002e0000000000000002010c00d041030a000000000101060000020408' +
  '1800000000000026010000000000ffcf0300000000007fff0400',
  OVMF_202211_EVENTS.nicReadyToBootQ35,
  OVMF_202211_EVENTS.bootAttempt,
  OVMF_202211_EVENT.callingBootOption,
].join('');
