/**
 * Which Debian 12 package provides each external program and file the tests use, so that a
 * skip names the package to install. The list the set-up installs is scripts/debian-packages;
 * this package's tests check that every package named here is on it.
 */

/** Program name → Debian package. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-aarch64': 'qemu-system-arm',
  swtpm: 'swtpm',
  swtpm_setup: 'swtpm-tools',
  tpm2_eventlog: 'tpm2-tools',
  tpm2_checkquote: 'tpm2-tools',
  tpm2_createak: 'tpm2-tools',
  tpm2_createek: 'tpm2-tools',
  tpm2_createpolicy: 'tpm2-tools',
  tpm2_flushcontext: 'tpm2-tools',
  tpm2_pcrextend: 'tpm2-tools',
  tpm2_pcrread: 'tpm2-tools',
  tpm2_quote: 'tpm2-tools',
  tpm2_startup: 'tpm2-tools',
  UEFIExtract: 'uefitool-cli',
  pesign: 'pesign',
  sbsign: 'sbsigntool',
  sbverify: 'sbsigntool',
  openssl: 'openssl',
  xz: 'xz-utils',
  brotli: 'brotli',
  blkid: 'util-linux',
  script: 'bsdutils',
  'g++': 'g++',
  virsh: 'libvirt-clients',
};

/** Path prefix → Debian package (files the tests read). */
export const FILE_PACKAGES: readonly (readonly [string, string])[] = [
  ['/usr/share/OVMF/OVMF32', 'ovmf-ia32'],
  ['/usr/lib/ipxe/', 'ipxe-qemu'],
  ['/usr/share/OVMF/', 'ovmf'],
  ['/usr/share/AAVMF/', 'qemu-efi-aarch64'],
  ['/usr/share/ovmf/', 'ovmf'],
  ['/usr/lib/llvm-14/', 'libclang-rt-14-dev'],
  ['/usr/lib/shim/', 'shim-signed'],
];

/** The Debian package of one program or file, or undefined when it is not a Debian one. */
export function debianPackageOf(toolOrFile: string): string | undefined {
  if (toolOrFile.includes('/')) return FILE_PACKAGES.find(([prefix]) => toolOrFile.startsWith(prefix))?.[1];
  return TOOL_PACKAGES[toolOrFile];
}

/** The Debian packages providing `missing` (in order, without repeats; unknown names left out). */
export function debianPackagesFor(missing: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of missing) {
    const p = debianPackageOf(m);
    if (p !== undefined && !out.includes(p)) out.push(p);
  }
  return out;
}
