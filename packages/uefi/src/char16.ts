/** UEFI CHAR16 text (UCS-2 LE) in fixed-size fields: variable names, GPT partition names. */

/** Decodes UCS-2 LE up to the first NUL (a trailing odd byte is ignored). */
export function char16UpToNul(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
