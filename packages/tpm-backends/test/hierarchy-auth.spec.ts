import { expect } from 'chai';
import { toHex } from '@tcg2sim/binary-codec';
import { HierarchyChangeAuth, PCRAllocate, Startup, TPM_RH, TPM_SU, encodeCommand } from '@tcg2sim/tpm2-command-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { requirePrerequisites } from '@tcg2sim/test-support';

// What OVMF's Tcg2PlatformDxe does (RandomizePlatformAuth), then what a later platform-auth
// command with the old, empty password gets, on the soft TPM and on swtpm: the same bytes.
const steps = [
  encodeCommand(Startup, { handles: {}, params: { startupType: TPM_SU.CLEAR } }),
  encodeCommand(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, params: { newAuth: Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff) } }),
  encodeCommand(PCRAllocate, { handles: { authHandle: TPM_RH.PLATFORM }, params: { pcrAllocation: { pcrSelections: [{ hash: 0x000b, pcrSelect: Uint8Array.of(0xff, 0xff, 0xff) }] } } }),
  oversizedAuth(),
];

/** HierarchyChangeAuth with a 65-byte newAuth (the encoder refuses it; built by hand). */
function oversizedAuth(): Uint8Array {
  const ok = encodeCommand(HierarchyChangeAuth, { handles: { authHandle: TPM_RH.PLATFORM }, params: { newAuth: new Uint8Array(64).fill(1) } });
  const c = new Uint8Array(ok.length + 1);
  c.set(ok);
  c[ok.length] = 1;
  const v = new DataView(c.buffer);
  v.setUint32(2, c.length);
  v.setUint16(ok.length - 66, 65);
  return c;
}

async function run(b: TpmBackend): Promise<string[]> {
  try {
    await b.powerOn();
    const out: string[] = [];
    for (const c of steps) out.push(toHex(await b.transmit(c, 0)));
    return out;
  } finally {
    await b.close();
  }
}

describe('TPM2_HierarchyChangeAuth (platform): soft TPM = swtpm', function () {
  this.timeout(60000);
  before(function () {
    requirePrerequisites(this, { tools: ['swtpm'] });
  });
  it('changes platformAuth so that the empty password then fails, and refuses a 65-byte auth', async () => {
    const soft = await run(new SoftTpmBackend());
    const real = await run(await SwtpmBackend.start());
    expect(soft).to.deep.equal(real);
    expect(real[1]?.slice(12, 20)).to.equal('00000000');
    expect(real[2]?.slice(12, 20)).to.not.equal('00000000');
  });
});
