/**
 * predict = real ArmVirtQemu boots (the committed captures, test/vectors): every event with its
 * data byte for byte, and PCRs 0-7 of every bank the capture has, with the soft TPM and with
 * swtpm behind the register model. Needs Debian's qemu-efi-aarch64 (the image is not committed).
 */
import { readFileSync } from 'node:fs';
import { RealClock } from '@tcg2sim/ptp';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { armVirtImageAsync, predictArmVirt } from '@tcg2sim/platform-armvirt';
import type { ArmVirtImage } from '@tcg2sim/platform-armvirt';
import type { Prediction } from '@tcg2sim/platform-ovmf';
import { requirePrerequisites } from '@tcg2sim/test-support';
import { AAVMF_CODE, AAVMF_VARS, VECTOR_NAMES, loadVector } from './vectors.ts';
import { expectCaptured } from './expect-captured.ts';

const HINT = 'apt-get install -y qemu-efi-aarch64';

let image: Promise<ArmVirtImage> | undefined;
function sharedImage(code: Uint8Array): Promise<ArmVirtImage> {
  image ??= armVirtImageAsync(code);
  return image;
}

for (const name of VECTOR_NAMES) {
  describe(`prediction = captured ArmVirtQemu boot ${name} (Debian 12 AAVMF 2022.11, virt) @integration`, function () {
    this.timeout(120_000);
    const v = loadVector(name);
    let code: Uint8Array;
    let vars: Uint8Array;

    before(function () {
      requirePrerequisites(this, { files: [AAVMF_CODE, AAVMF_VARS], hint: HINT });
      code = new Uint8Array(readFileSync(AAVMF_CODE));
      vars = new Uint8Array(readFileSync(AAVMF_VARS));
    });

    async function predictWith(backend: TpmBackend, clock?: RealClock): Promise<Prediction> {
      try {
        return await predictArmVirt({
          code, vars, machine: { memoryMiB: v.memoryMiB, cpus: v.cpus }, backend, image: sharedImage(code), ...(clock !== undefined ? { clock } : {}),
        });
      } finally {
        await backend.close();
      }
    }

    it('soft TPM: every event with its data, and PCRs 0-7 of every bank the capture has', async () => {
      expectCaptured(await predictWith(new SoftTpmBackend(v.banks !== undefined ? { banks: v.banks } : {})), v);
    });

    it('swtpm: every event with its data, and PCRs 0-7 of every bank the capture has', async function () {
      requirePrerequisites(this, { tools: v.banks !== undefined ? ['swtpm', 'swtpm_setup'] : ['swtpm'] });
      const backend = await SwtpmBackend.start(v.banks !== undefined ? { pcrBanks: v.banks } : {});
      expectCaptured(await predictWith(backend, new RealClock()), v);
    });
  });
}
