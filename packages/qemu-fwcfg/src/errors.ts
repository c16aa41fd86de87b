import { CodedError } from '@tcg2sim/binary-codec';

/** Why reading fw_cfg failed. */
export type FwCfgErrorCode =
  /** QEMU could not be started, or exited. */
  | 'QEMU_FAILED'
  /** The qtest channel answered something other than OK, or nothing in time. */
  | 'QTEST_ERROR'
  /** The device is not QEMU's fw_cfg (signature), or lacks DMA. */
  | 'NO_FW_CFG'
  /** The file directory or a file is malformed or too large. */
  | 'BAD_DIRECTORY'
  /** No file of that name. */
  | 'NO_SUCH_FILE'
  /** A DMA transfer reported an error. */
  | 'DMA_ERROR'
  /** The VM's PCI devices or CPU need a part of OVMF's PCI resource allocation that is not modelled. */
  | 'PCI_NOT_MODELLED';

/** Reading QEMU's fw_cfg through qtest failed; `code` says at which step. */
export class FwCfgError extends CodedError<FwCfgErrorCode> {
  override readonly name = 'FwCfgError';
}
