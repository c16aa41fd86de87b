/** Tcg2Dxe DriverEntry's TPM queries live with Tcg2Dxe (@tcg2sim/tcg2-dxe); re-exported for the boot. */
export { dxeDriverEntryQueries } from '@tcg2sim/tcg2-dxe';
export type { DxeTpmFacts } from '@tcg2sim/tcg2-dxe';
