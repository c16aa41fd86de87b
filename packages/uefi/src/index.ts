/** @tcg2sim/uefi: UEFI/PI images: firmware volumes, FFS files, sections and decompressors, PE/COFF Authenticode, device paths, load options, variable stores. */
export {};
