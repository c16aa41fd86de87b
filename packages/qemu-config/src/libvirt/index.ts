/** @tcg2sim/qemu-config/libvirt: libvirt domain XML into the QEMU command line libvirt 9.0 runs. */
export { domainToQemuArgv, domainToQemuCommand } from './domain.ts';
export { parseXml, MAX_XML_CHARS } from './xml.ts';
export type { XmlElement } from './xml.ts';
