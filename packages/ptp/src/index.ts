/** @tcg2sim/ptp: Register-level TIS 1.3 / PTP FIFO / PTP CRB device models on an MMIO bus, behaving like QEMU 7.2's tpm-tis and tpm-crb. */
export {};
