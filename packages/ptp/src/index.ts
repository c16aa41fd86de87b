/**
 * @tcg2sim/ptp: register-level TIS 1.3 / PTP FIFO / PTP CRB device models on an MMIO bus,
 * behaving like QEMU 7.2's tpm-tis and tpm-crb, plus the Clock the firmware driver polls with.
 */
export { MmioBus } from './mmio.ts';
export type { MmioAccess, MmioBusOptions, MmioDevice, MmioObserver, MmioWidth } from './mmio.ts';
export { RealClock, VirtualClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { MmioTrace, collapseRepeats, formatAccess } from './trace.ts';
export { TisDevice } from './tis.ts';
export type { TisFaults, TisOptions, TisState } from './tis.ts';
export { CrbDevice } from './crb.ts';
export type { CrbFaults, CrbOptions, CrbState } from './crb.ts';
export { FATAL_ERROR_RESPONSE, headerSize } from './backend-link.ts';
export type { BackendCallHook } from './backend-link.ts';
export {
  CRB_BITS, CRB_BUFFER_SIZE, CRB_REG, INTERFACE_ID, INTF_CAPABILITY_VERSION_SHIFT, LOCALITY_COUNT,
  LOCALITY_STRIDE, TIS_ACCESS, TIS_BUFFER_MAX, TIS_INT, TIS_REG, TIS_STS, TPM_BASE_ADDRESS,
} from './registers.ts';
export { CANCELED_RESPONSE, FakeBackend, FakeBackendCrash, SUCCESS_RESPONSE } from './fake-backend.ts';
export type { FakeBackendOptions } from './fake-backend.ts';
