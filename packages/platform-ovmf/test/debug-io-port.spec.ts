import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EFI_SECTION } from '@tcg2sim/uefi';
import { decompressMemFvs, unlocatedDebugIoPortFlags } from '@tcg2sim/platform-ovmf';
import { skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';

// PlatformDebugLibIoPort's cached flags in PEIFV on github.com/stultusverus/si-stultum's 2022-05
// DEBUG build (docs/distro-builds-2024.md; its real boots: test/vectors/distro-2024/
// si-stultum-2022-05, checked by packages/cli/test/distro-builds-2024.spec.ts): found in the
// `mov byte [checked], 1` / `cmp al, 0xE9` / `sete byte [found]` form; when they are not found,
// the probe alone says the writes are not understood.

const IMAGE = join(CACHE, 'gh-stultusverus-si-stultum', '17123170-OVMF_CODE.fd');
const SHA256 = '05070483b27f2ad9762959df2dd7d7ed8df2806b2972adb5378bb0dbf90ae3f5';
const PLATFORM_PEI = '222C386D-5ABC-4FB4-B124-FBB82488ACF4';

describe('PlatformDebugLibIoPort flags (si-stultum 2022-05 DEBUG build)', function () {
  let image = new Uint8Array();
  before(function () {
    if (!existsSync(IMAGE)) skipOptional(this, `firmware ${IMAGE} absent (OVMF_CODE.fd of https://github.com/stultusverus/si-stultum at 2789e2c; never committed)`);
    image = new Uint8Array(readFileSync(IMAGE));
    const sha = createHash('sha256').update(image).digest('hex');
    if (sha !== SHA256) skipOptional(this, `firmware ${IMAGE} is not si-stultum's OVMF_CODE.fd at 2789e2c (sha256 ${sha})`);
  });

  it('both modules\' flags are found: nothing left unlocated', () => {
    expect(unlocatedDebugIoPortFlags(decompressMemFvs(image).peiFv)).to.deep.equal([]);
  });

  it('PlatformPei with its `sete byte [found]` turned into `setne`: the caching probe is still there, its flags are not found', () => {
    const sec = decompressMemFvs(image.slice());
    const body = sec.peiFv.volume.files.find((f) => f.guid === PLATFORM_PEI)?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
    expect(body).to.not.equal(undefined);
    const b = body ?? new Uint8Array();
    const at = Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Buffer.from([0x3c, 0xe9, 0x0f, 0x94, 0x05]));
    expect(at).to.be.greaterThan(0);
    b[at + 3] = 0x95;
    expect(unlocatedDebugIoPortFlags(sec.peiFv)).to.deep.equal(['PlatformPei']);
  });
});
