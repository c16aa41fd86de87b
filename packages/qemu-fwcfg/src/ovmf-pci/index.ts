export { qtestConfigSpace, pciAddressText } from './config-space.ts';
export type { PciAddress, PciConfigSpace } from './config-space.ts';
export { scanPciHierarchy, allFunctions } from './scan.ts';
export type { BarKind, PciFunction, PciBridge, ProbedBar, Padding } from './scan.ts';
export { programOvmfPci } from './allocate.ts';
export type { Aperture, OvmfPciApertures, PlacedResource } from './allocate.ts';
export { ovmfPciApertures, parseE820 } from './apertures.ts';
export type { ApertureVm, ApertureCpu, E820Entry } from './apertures.ts';
