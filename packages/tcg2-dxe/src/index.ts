/** @tcg2sim/tcg2-dxe: Tcg2Dxe: EFI_TCG2_PROTOCOL, the TCG 1.2 and crypto-agile event logs, the final events table and the boot-time measurements. */
export {};
