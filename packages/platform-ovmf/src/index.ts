/** @tcg2sim/platform-ovmf: The OVMF platform: SEC decompression, PlatformPei state in PEIFV, QEMU q35/pc devices, BDS boot options, whole-boot orchestration and the scenario schema. */
export {};
