/**
 * Interface detection as Tpm2DeviceLibDTpm's constructor does it (`Tpm2GetPtpInterface`,
 * docs/edk2-pei.md §3.1): an 8-bit read of the base (0xFF = nothing there), then INTERFACE_ID and
 * INTF_CAPABILITY decide between CRB, PTP FIFO and (by elimination) TIS.
 */
import type { MmioBus } from '@tcg2sim/ptp';
import { CRB_REG, INTERFACE_ID, INTF_CAPABILITY_VERSION_SHIFT, TIS_REG, TPM_BASE_ADDRESS } from '@tcg2sim/ptp';
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
export function detectInterface(
  bus: MmioBus,
  base: number = TPM_BASE_ADDRESS,
  options: { readonly readIdleBypass?: boolean } = {}
): Detection {
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
  // Only Tpm2DeviceLibDTpm's constructor reads PcdCRBIdleByPass; Tpm12DeviceLibDTpm does not.
  if (kind === 'crb' && (options.readIdleBypass ?? true)) {
    crbIdleBypass = (bus.read32(base + TIS_REG.INTERFACE_ID) & INTERFACE_ID.CAP_CRB_IDLE_BYPASS) !== 0;
  }
  return { kind, crbIdleBypass, interfaceId, interfaceCapability };
}

/** What DumpPtpInfo reads (VID/DID/RID as the interface exposes them). */
export interface PtpInfo {
  readonly interfaceId: number;
  readonly interfaceCapability: number;
  readonly statusEx: number;
  readonly vid: number;
  readonly did: number;
  readonly rid: number;
}

/**
 * DumpPtpInfo (Tpm2Ptp.c), which Tpm2InstanceLibDTpm's constructor runs in DXE: presence,
 * INTERFACE_ID, INTF_CAPABILITY, STS_EX, then VID/DID(/RID) at the FIFO (0xF00..) or CRB
 * (0x34..; RID from INTERFACE_ID) offsets of the cached interface type.
 * @returns undefined when the base reads 0xFF.
 */
export function dumpPtpInfo(bus: MmioBus, kind: PtpInterfaceKind, base: number = TPM_BASE_ADDRESS): PtpInfo | undefined {
  if (bus.read8(base + TIS_REG.ACCESS) === 0xff) return undefined;
  const interfaceId = bus.read32(base + TIS_REG.INTERFACE_ID);
  const interfaceCapability = bus.read32(base + TIS_REG.INTF_CAPABILITY);
  const statusEx = bus.read8(base + TIS_REG.STS_EX);
  if (kind === 'crb') {
    const vid = bus.read16(base + CRB_REG.INTF_ID2);
    const did = bus.read16(base + CRB_REG.INTF_ID2 + 2);
    return { interfaceId, interfaceCapability, statusEx, vid, did, rid: interfaceId >>> 24 };
  }
  const vid = bus.read16(base + TIS_REG.DID_VID);
  const did = bus.read16(base + TIS_REG.DID_VID + 2);
  const rid = bus.read8(base + TIS_REG.RID);
  return { interfaceId, interfaceCapability, statusEx, vid, did, rid };
}
