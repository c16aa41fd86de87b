/** @tcg2sim/tcg2-pei: Tcg2Pei: TPM2_Startup, PCR bank sync, S-CRTM version, firmware-volume measurement and the HOBs handed to DXE. */
export {};
