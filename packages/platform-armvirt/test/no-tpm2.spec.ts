/**
 * ArmVirtQemu built without TPM2_ENABLE (Debian 13's AAVMF_CODE.no-secboot.fd and QEMU_EFI.fd:
 * no Tcg2ConfigPei, Tcg2Pei, Tcg2Dxe): the boot sends the TPM no command and leaves no log, and
 * predict reads PCRs 0-7 after its own TPM2_Startup(CLEAR). Truth for such builds: the x86 ones'
 * real boots (platform-ovmf/test/vectors/no-tpm2/: no firmware TPM command, PCRs 0-7 zero). The
 * images are fetched by scripts/fetch-debian-firmware.sh trixie qemu-efi-aarch64, never committed.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SoftTpmBackend } from '@tcg2sim/tpm-backends';
import { predictArmVirt } from '@tcg2sim/platform-armvirt';
import { NO_TPM2_BUILD } from '@tcg2sim/platform-ovmf';
import { skipOptional } from '@tcg2sim/test-support';

const CACHE = process.env['TCG2SIM_FIRMWARE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tcg2sim', 'firmware');
const TRIXIE = join(CACHE, 'debian-trixie', 'qemu-efi-aarch64', 'usr', 'share');

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
        expect(p.tpmPcrs.size).to.equal(4);
        for (const m of p.tpmPcrs.values()) for (const v of m.values()) expect(v.every((b) => b === 0)).to.equal(true);
        // The firmware sent nothing: Startup, GetCapability and one PCR_Read per bank are predict's.
        expect(backend.commands).to.equal(2 + p.tpmPcrs.size);
      } finally {
        await backend.close();
      }
    });
  }
});
