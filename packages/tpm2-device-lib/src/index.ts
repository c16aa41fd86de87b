/** @tcg2sim/tpm2-device-lib: Tpm2DeviceLibDTpm: the firmware's TIS / PTP FIFO / CRB driver with EDK II's detection, locality handling and timeouts. */
export {};
