/** `lea r8, [rip+d32]` right before or `lea rcx, [rip+d32]` right after the 5-byte mov at i. */
function isAssertLine(image: Uint8Array, i: number): boolean {
  const leaR8 = image[i - 7] === 0x4c && image[i - 6] === 0x8d && image[i - 5] === 0x05;
  const leaRcx = image[i + 5] === 0x48 && image[i + 6] === 0x8d && image[i + 7] === 0x0d;
  return leaR8 || leaRcx;
}

/**
 * Whether PlatformPei takes the physical address width from CPUID (PlatformAddressWidthFromCpuid
 * with the QEMU quirk, and the dynamic 64-bit MMIO window after it), as Debian 12's 2022.11 does,
 * or only from the first address past RAM and the PCI aperture, as edk2-stable202208 and
 * earlier do (their PlatformPei never clamps a width to 47 bits). Found by code: the clamp's
 * immediate 0x2F (47) loaded or compared in a register (`cmp al, 0x2f`, `mov r8, 0x2f`,
 * `mov r32, 0x2f`, `cmp r, 0x2f`). Checked on Debian 12 (IA32 and X64 PEI: present) and a
 * 2022-10 build from edk2 master (github.com/kholia/OSX-KVM at b2b3614: absent; its guest RAM
 * held the 36-bit width, the PCIEXBAR-based Uc32Base and the 32 GiB aperture at 32 GiB).
 * `mov edx, 0x2f` between `lea r8, [rip+…]` and `lea rcx, [rip+…]` is a DEBUG build's ASSERT
 * (DebugAssert's line number 47, e.g. in HobLib) and does not count: github.com/stultusverus/
 * si-stultum's 2022-05 DEBUG build has only that one and held the 36-bit width.
 */
export function hasCpuidAddressWidth(image: Uint8Array): boolean {
  for (let i = 0; i + 5 <= image.length; i++) {
    const a = image[i] ?? 0;
    const b = image[i + 1] ?? 0;
    const c = image[i + 2] ?? 0;
    if (a === 0x3c && b === 0x2f) return true;
    if (a === 0x41 && b >= 0xb0 && b <= 0xb7 && c === 0x2f) return true;
    if ((a === 0x80 || a === 0x83) && b >= 0xf8 && c === 0x2f) return true;
    if (a >= 0xb8 && a <= 0xbf && b === 0x2f && c === 0 && image[i + 3] === 0 && image[i + 4] === 0 && !(a === 0xba && isAssertLine(image, i))) return true;
  }
  return false;
}
