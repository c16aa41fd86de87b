/**
 * Interface detection as Tpm2DeviceLibDTpm's constructor does it (`Tpm2GetPtpInterface`,
 * edk2-pei-facts §3.1): an 8-bit read of the base (0xFF = nothing there), then INTERFACE_ID and
 * INTF_CAPABILITY decide between CRB, PTP FIFO and (by elimination) TIS.
 */
import type { MmioBus } from '@tcg2sim/ptp';
import { INTERFACE_ID, INTF_CAPABILITY_VERSION_SHIFT, TIS_REG, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
import type { PtpInterfaceKind } from './errors.ts';

/** What detection found; `crbIdleBypass` is PcdCRBIdleByPass (meaningful for CRB only). */
export interface Detection {
  readonly kind: PtpInterfaceKind;
  readonly crbIdleBypass: boolean;
  /** The raw values read (diagnostics). */
  readonly interfaceId: number;
  readonly interfaceCapability: number;
}

/**
 * Classifies the register interface at `base`. Note edk2-stable202211 calls anything that is not
 * CRB or PTP FIFO "TIS", so an absent TPM on QEMU (reads 0x00) is TIS (fixed in 202305).
 */
export function detectInterface(bus: MmioBus, base: number = TPM_BASE_ADDRESS): Detection {
  if (bus.read8(base + TIS_REG.ACCESS) === 0xff) {
    return { kind: 'none', crbIdleBypass: false, interfaceId: 0xffffffff, interfaceCapability: 0xffffffff };
  }
  const interfaceId = bus.read32(base + TIS_REG.INTERFACE_ID);
  const interfaceCapability = bus.read32(base + TIS_REG.INTF_CAPABILITY);
  const type = interfaceId & INTERFACE_ID.TYPE_MASK;
  const version = (interfaceId & INTERFACE_ID.VERSION_MASK) >>> 4;
  let kind: PtpInterfaceKind;
  if (type === INTERFACE_ID.TYPE_CRB && version === 1 && (interfaceId & INTERFACE_ID.CAP_CRB) !== 0) {
    kind = 'crb';
  } else if (
    type === INTERFACE_ID.TYPE_FIFO &&
    version === 0 &&
    (interfaceId & INTERFACE_ID.CAP_FIFO) !== 0 &&
    ((interfaceCapability >>> INTF_CAPABILITY_VERSION_SHIFT) & 7) === 3
  ) {
    kind = 'fifo';
  } else {
    kind = 'tis';
  }
  let crbIdleBypass = false;
  if (kind === 'crb') {
    crbIdleBypass = (bus.read32(base + TIS_REG.INTERFACE_ID) & INTERFACE_ID.CAP_CRB_IDLE_BYPASS) !== 0;
  }
  return { kind, crbIdleBypass, interfaceId, interfaceCapability };
}
