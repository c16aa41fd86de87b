/**
 * The NICs that `-nic`, `-net nic` and `-netdev` lines ask for (QEMU's legacy network options; a
 * `-device` NIC is an ordinary device), shared by the x86 and the virt machine mappings.
 */
import { propString } from './option-syntax.ts';
import type { PropValue } from './option-syntax.ts';
import type { WalkedOption } from './parse-argv.ts';

/** One NIC a legacy network option asks for. */
export interface LegacyNic {
  readonly option: WalkedOption;
  /** `model=`, as written (undefined: the machine's default NIC). */
  readonly model: string | undefined;
  /** The properties that place or shape the NIC: addr, bus, romfile, mac. */
  readonly props: Readonly<Record<string, PropValue>>;
}

/** The legacy NICs, and whether any network option was given (none: QEMU adds its default NIC). */
export function legacyNics(opts: readonly WalkedOption[]): { readonly nics: readonly LegacyNic[]; readonly netOptions: boolean } {
  const nics: LegacyNic[] = [];
  let netOptions = false;
  for (const o of opts) {
    if (o.name !== '-nic' && o.name !== '-net' && o.name !== '-netdev') continue;
    netOptions = true;
    const type = propString(o.props, 'type');
    if (o.name === '-netdev' || type === 'none') continue;
    if (o.name === '-net' && type !== 'nic') continue;
    const props: Record<string, PropValue> = {};
    for (const k of ['addr', 'bus', 'romfile', 'mac']) {
      const v = o.props[k];
      if (v !== undefined) props[k] = v;
    }
    nics.push({ option: o, model: propString(o.props, 'model'), props });
  }
  return { nics, netOptions };
}
