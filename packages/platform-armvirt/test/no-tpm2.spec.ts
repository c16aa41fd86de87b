/**
 * ArmVirtQemu built without TPM2_ENABLE (Debian 13's AAVMF_CODE.no-secboot.fd and QEMU_EFI.fd:
 * no Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe): the boot sends the TPM no command and leaves no log, and
 * predict reads PCRs 0-7 after its own TPM2_Startup(CLEAR). Truth: a real boot of
 * AAVMF_CODE.no-secboot.fd (qemu-system-aarch64 -M virt + swtpm, `tcg2sim capture`): no TCG_2 log
 * in guest RAM, no TPM command from the firmware, the TPM never started, PCRs 0-7 zero
 * (test/vectors/no-tpm2/debian-13-no-secboot-virt-512-capture.json, with the image's profile). The
 * images are fetched by scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64, never committed.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { toHex } from '@tcg2sim/binary-codec';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { predictArmVirt, profileArmVirt } from '@tcg2sim/platform-armvirt';
import { NO_TPM2_BUILD } from '@tcg2sim/platform-ovmf';
import { skipOptional, FIRMWARE_CACHE as CACHE } from '@tcg2sim/test-support';

const TRIXIE = join(CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share');
const VECTOR = new URL('../../test/vectors/no-tpm2/', import.meta.url);
const captured = JSON.parse(readFileSync(new URL('debian-13-no-secboot-virt-512-capture.json', VECTOR), 'utf8')) as {
  readonly firmwareTpmCommands: number;
  readonly tpmStartedByCapture: boolean;
  readonly pcrs: Readonly<Record<string, Readonly<Record<string, string>>>>;
};

/** A soft TPM that counts the commands it receives. */
class CountingBackend extends SoftTpmBackend {
  commands = 0;
  override transmit(command: Uint8Array, locality: number): Promise<Uint8Array> {
    this.commands++;
    return super.transmit(command, locality);
  }
}

describe('ArmVirtQemu built without TPM2_ENABLE: no measurement, no log', function () {
  this.timeout(60_000);
  for (const image of [join(TRIXIE, 'AAVMF', 'AAVMF_CODE.no-secboot.fd'), join(TRIXIE, 'qemu-efi-aarch64', 'QEMU_EFI.fd')]) {
    it(`${image.slice(TRIXIE.length + 1)}: no TPM command from the firmware, no log, PCRs 0-7 zero after TPM2_Startup(CLEAR)`, async function () {
      if (!existsSync(image)) skipOptional(this, `missing ${image}: run scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64`);
      const backend = new CountingBackend({});
      try {
        const p = await predictArmVirt({ code: new Uint8Array(readFileSync(image)), backend });
        expect(p.boot.exchanges).to.deep.equal([]);
        expect(p.boot.eventLog.length).to.equal(0);
        expect(p.boot.measuresNothing).to.equal(true);
        expect(p.boot.endState).to.equal(NO_TPM2_BUILD);
        expect(p.tpmStartedAfterBoot).to.equal(true);
        expect(p.mismatches).to.deep.equal([]);
        expect(captured.firmwareTpmCommands).to.equal(0);
        expect(captured.tpmStartedByCapture).to.equal(true);
        const predicted = Object.fromEntries([...p.tpmPcrs].map(([alg, m]) => [hashAlgInfo(alg).name, Object.fromEntries([...m].map(([i, v]) => [String(i), toHex(v)]))]));
        const real = Object.fromEntries(Object.entries(captured.pcrs).map(([bank, m]) => [bank, Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [String(i), m[String(i)]]))]));
        expect(predicted).to.deep.equal(real);
        // The firmware sent nothing: Startup, GetCapability and one PCR_Read per bank are predict's.
        expect(backend.commands).to.equal(2 + p.tpmPcrs.size);
      } finally {
        await backend.close();
      }
      if (image.endsWith('AAVMF_CODE.no-secboot.fd')) {
        const prof = profileArmVirt(new Uint8Array(readFileSync(image))); // as `tcg2sim profile --json` prints it
        expect(JSON.parse(JSON.stringify({ image: 'AAVMF_CODE.no-secboot.fd', ...prof, shell: prof.shell ?? null })) as unknown)
          .to.deep.equal(JSON.parse(readFileSync(new URL('debian-13-no-secboot-profile.json', VECTOR), 'utf8')));
      }
    });
  }
});
