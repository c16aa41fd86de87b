/**
 * Register offsets and bits of the TPM interfaces at 0xFED40000 (TCG PC Client Platform TPM
 * Profile 1.05 §6.5 "TPM register space"; TIS 1.3 §5.x). The same names are used by the device
 * models here and by the firmware driver in @tcg2sim/tpm2-device-lib.
 */

/** PcdTpmBaseAddress: where the TPM register window sits on a PC (and in QEMU). */
export const TPM_BASE_ADDRESS = 0xfed40000;

/** One locality's register page is 4 KiB; locality n lives at base + n * 0x1000. */
export const LOCALITY_STRIDE = 0x1000;

/** Five localities (0..4), as TIS and QEMU's tpm-tis expose them. */
export const LOCALITY_COUNT = 5;

/** TIS / PTP FIFO register offsets inside one locality page (PTP 1.05 Table 17). */
export const TIS_REG = {
  ACCESS: 0x00,
  INT_ENABLE: 0x08,
  INT_VECTOR: 0x0c,
  INT_STATUS: 0x10,
  INTF_CAPABILITY: 0x14,
  STS: 0x18,
  BURST_COUNT: 0x19,
  STS_EX: 0x1b,
  DATA_FIFO: 0x24,
  INTERFACE_ID: 0x30,
  XDATA_FIFO: 0x80,
  XDATA_FIFO_END: 0xbc,
  DID_VID: 0xf00,
  RID: 0xf04,
} as const;

/** TPM_ACCESS_x bits (PTP 1.05 §6.5.2.3). */
export const TIS_ACCESS = {
  TPM_ESTABLISHMENT: 0x01,
  REQUEST_USE: 0x02,
  PENDING_REQUEST: 0x04,
  SEIZE: 0x08,
  BEEN_SEIZED: 0x10,
  ACTIVE_LOCALITY: 0x20,
  TPM_REG_VALID_STS: 0x80,
} as const;

/** TPM_STS_x bits (PTP 1.05 §6.5.2.5); bits 8-23 are burstCount, 24-27 the PTP extension. */
export const TIS_STS = {
  RESPONSE_RETRY: 0x02,
  SELFTEST_DONE: 0x04,
  EXPECT: 0x08,
  DATA_AVAIL: 0x10,
  TPM_GO: 0x20,
  COMMAND_READY: 0x40,
  VALID: 0x80,
  COMMAND_CANCEL: 0x01000000,
  RESET_ESTABLISHMENT: 0x02000000,
  FAMILY_TPM2: 0x04000000,
  FAMILY_MASK: 0x0c000000,
} as const;

/** TPM_INT_ENABLE_x / TPM_INT_STATUS_x bits (PTP 1.05 §6.5.2.6). */
export const TIS_INT = {
  DATA_AVAILABLE: 0x01,
  STS_VALID: 0x02,
  LOCALITY_CHANGED: 0x04,
  POLARITY_LOW_LEVEL: 0x08,
  POLARITY_MASK: 0x18,
  COMMAND_READY: 0x80,
  SUPPORTED: 0x87,
  GLOBAL_ENABLE: 0x80000000,
} as const;

/** TPM_INTERFACE_ID_x fields (PTP 1.05 §6.4.2; shared by FIFO and CRB). */
export const INTERFACE_ID = {
  TYPE_MASK: 0x0000000f,
  TYPE_FIFO: 0x0,
  TYPE_CRB: 0x1,
  TYPE_TIS: 0xf,
  VERSION_MASK: 0x000000f0,
  CAP_LOCALITY: 0x00000100,
  CAP_CRB_IDLE_BYPASS: 0x00000200,
  CAP_FIFO: 0x00002000,
  CAP_CRB: 0x00004000,
  INT_SEL_LOCK: 0x00080000,
} as const;

/** TPM_INTF_CAPABILITY_x: InterfaceVersion field (bits 28-30). 3 = PTP FIFO for TPM 2.0. */
export const INTF_CAPABILITY_VERSION_SHIFT = 28;

/** CRB register offsets (PTP 1.05 Table 24, `PTP_CRB_REGISTERS` in EDK II TpmPtp.h). */
export const CRB_REG = {
  LOC_STATE: 0x00,
  LOC_CTRL: 0x08,
  LOC_STS: 0x0c,
  INTF_ID: 0x30,
  INTF_ID2: 0x34,
  CTRL_EXT: 0x38,
  CTRL_REQ: 0x40,
  CTRL_STS: 0x44,
  CTRL_CANCEL: 0x48,
  CTRL_START: 0x4c,
  INT_ENABLE: 0x50,
  INT_STS: 0x54,
  CMD_SIZE: 0x58,
  CMD_LADDR: 0x5c,
  CMD_HADDR: 0x60,
  RSP_SIZE: 0x64,
  RSP_ADDR: 0x68,
  DATA_BUFFER: 0x80,
} as const;

/** Bits of the CRB registers. */
export const CRB_BITS = {
  LOC_STATE_ESTABLISHED: 0x01,
  LOC_STATE_ASSIGNED: 0x02,
  LOC_STATE_REG_VALID: 0x80,
  LOC_CTRL_REQUEST_ACCESS: 0x01,
  LOC_CTRL_RELINQUISH: 0x02,
  LOC_CTRL_SEIZE: 0x04,
  LOC_CTRL_RESET_ESTABLISHMENT: 0x08,
  LOC_STS_GRANTED: 0x01,
  LOC_STS_BEEN_SEIZED: 0x02,
  CTRL_REQ_CMD_READY: 0x01,
  CTRL_REQ_GO_IDLE: 0x02,
  CTRL_STS_FATAL: 0x01,
  CTRL_STS_IDLE: 0x02,
  CTRL_CANCEL_INVOKE: 0x01,
  CTRL_START_INVOKE: 0x01,
} as const;

/** Size of the CRB command/response buffer in QEMU (0x1000 - 0x80). */
export const CRB_BUFFER_SIZE = 0xf80;

/** QEMU's TPM_TIS_BUFFER_MAX: the TIS FIFO holds at most 4096 bytes. */
export const TIS_BUFFER_MAX = 4096;
