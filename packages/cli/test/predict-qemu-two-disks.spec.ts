/**
 * Two disks described by a QEMU command line (and by a libvirt domain) predict as the repeatable
 * `--disk` route does: the real capture "two virtio-blk disks, bootindex=1 on the second only"
 * (packages/platform-ovmf/test/vectors/ovmf-2022.11-bootorder.ts, Debian 12 OVMF_CODE_4M.fd with
 * a fresh OVMF_VARS_4M.fd, QEMU 7.2 q35, 512 MiB, tpm-tis, swtpm) byte for byte, both backends;
 * the same VM as a libvirt domain against a real boot of libvirt's command line for it
 * (test/vectors/two-disks/).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { fromHex, toHex } from '@tcg2sim/binary-codec';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import { OVMF_DIR, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const TWO_DISKS = new URL('../../test/vectors/two-disks/', import.meta.url);
const VECTORS = new URL('../../../platform-ovmf/test/vectors/ovmf-2022.11-bootorder.ts', import.meta.url);

/** A hex constant of the vectors file (`export const NAME = '…' + '…';`). */
function vector(name: string): Uint8Array {
  const text = readFileSync(VECTORS, 'utf8');
  const m = new RegExp(`export const ${name} =\\s*((?:'[0-9a-f]*'\\s*\\+?\\s*)+);`).exec(text);
  if (m?.[1] === undefined) throw new Error(`${name} not in ${VECTORS.pathname}`);
  return fromHex([...m[1].matchAll(/'([0-9a-f]*)'/g)].map((x) => x[1] ?? '').join(''));
}

/** The captured VM's disks (packages/platform-ovmf/test/boot-order-vms.ts BOOT_ORDER_DISKS): shim, then the repo's own loader. */
function captureDisks(): Uint8Array[] {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return [
    buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }),
    buildEspDisk({
      fatType: 'FAT12', diskGuid: '11111111-2222-4333-8444-555555555555', espGuid: '66666666-7777-4888-9999-AAAAAAAAAAAA',
      files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: buildEfiApplication(body) }],
    }),
  ];
}

describe('tcg2sim predict --qemu-cmdline / --libvirt-xml with two disks = the real two-disk boot', function () {
  this.timeout(300_000);
  const tmp = tempDir('tcg2sim-cli-two-disks-');
  let disks: string[] = [];
  let real: Uint8Array = new Uint8Array();
  before(function () {
    requirePrerequisites(this, { files: [CODE, VARS, SHIM], hint: 'apt-get install -y ovmf shim-signed' });
    real = vector('BOOTORDER_SECOND_DISK_LOG_HEX');
    disks = captureDisks().map((d, i) => {
      const p = join(tmp.path, `disk${i}.img`);
      writeFileSync(p, d);
      return p;
    });
  });
  after(() => tmp.remove());

  /** The captured VM's command line (platform-ovmf/test/boot-order.integration.spec.ts's QEMU arguments). */
  const line = (): string => `qemu-system-x86_64 -machine q35 -m 512 -net none -drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} -drive if=pflash,format=raw,unit=1,file=${VARS}
    -chardev socket,id=c,path=/run/x.sock -tpmdev emulator,id=t,chardev=c -device tpm-tis,tpmdev=t
    -drive if=none,id=d0,format=raw,file=${disks[0] ?? ''} -device virtio-blk-pci,drive=d0
    -drive if=none,id=d1,format=raw,file=${disks[1] ?? ''} -device virtio-blk-pci,drive=d1,bootindex=1`;

  for (const tpm of ['soft', 'swtpm'] as const) {
    it(`--qemu-cmdline: the captured log byte for byte, BootOrder 0001,0000,0002 (${tpm} TPM)`, async function () {
      if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
      const log = join(tmp.path, `cmdline-${tpm}.bin`);
      const r = await runCli('predict', '--qemu-cmdline', line(), '--tpm', tpm, '--log-out', log, '--json');
      expect(r.status, r.err).to.equal(0);
      expect((JSON.parse(r.out) as { endState: string }).endState).to.match(/^started Boot0001 "UEFI Misc Device"/);
      expect(toHex(readFileSync(log))).to.equal(toHex(real));
    });
  }

  it('--disk twice with bootOrder [disk1] gives the same log (the route the command line maps onto)', async () => {
    const scenario = join(tmp.path, 's.yaml');
    writeFileSync(scenario, 'bootOrder: [disk1]\nmemoryMiB: 512\n');
    const log = join(tmp.path, 'flags.bin');
    const r = await runCli('predict', '--scenario', scenario, '--code', CODE, '--vars', VARS, '--disk', disks[0] ?? '', '--disk', disks[1] ?? '', '--log-out', log);
    expect(r.status, r.err).to.equal(0);
    expect(toHex(readFileSync(log))).to.equal(toHex(real));
  });

  it('--libvirt-xml: every event and PCRs 0-7 of every bank of the real boot, the loader\'s ImageLocationInMemory within its known gap', async () => {
    const nvram = join(tmp.path, 'VARS.fd');
    copyFileSync(VARS, nvram);
    const xml = join(tmp.path, 'two.xml');
    writeFileSync(xml, readFileSync(new URL('libvirt-two-virtio.xml', TWO_DISKS), 'utf8')
      .replace('@CODE@', CODE).replace('@VARS_COPY@', nvram).replace('@DISK0@', disks[0] ?? '').replace('@DISK1@', disks[1] ?? ''));
    const log = join(tmp.path, 'xml.bin');
    const r = await runCli('predict', '--libvirt-xml', xml, '--log-out', log);
    expect(r.status, r.err).to.equal(0);
    const ours = decodeEventLog(readFileSync(log));
    const real = decodeEventLog(readFileSync(new URL('libvirt-two-virtio.eventlog.bin', TWO_DISKS)));
    expect(ours.events.length).to.equal(real.events.length);
    ours.events.forEach((e, i) => {
      const b = real.events[i];
      expect([e.pcrIndex, e.eventType, e.digests.map((d) => toHex(d.digest))], `event ${i}`).to.deep.equal([b?.pcrIndex, b?.eventType, b?.digests.map((d) => toHex(d.digest))]);
      // The last event is the loader's image event: its ImageLocationInMemory (8 bytes, in no
      // digest) is 0x3000 above the real one under -nodefaults at 512 MiB with 1 CPU (one disk: 0x4000).
      const skip = i === ours.events.length - 1 ? 8 : 0;
      expect(toHex(e.eventData.subarray(skip)), `event ${i} data`).to.equal(toHex(b?.eventData.subarray(skip) ?? new Uint8Array()));
      if (skip > 0) {
        const at = (d: Uint8Array | undefined): bigint => (d === undefined ? -1n : new DataView(d.buffer, d.byteOffset, 8).getBigUint64(0, true));
        expect(at(e.eventData) - at(b?.eventData)).to.equal(0x3000n);
      }
    });
    const [ra, rb] = [replayEventLog(ours), replayEventLog(real)];
    expect(ra.banks.size).to.equal(4);
    for (const [alg, pcrs] of rb.banks) {
      for (let i = 0; i <= 7; i++) expect(toHex(ra.banks.get(alg)?.get(i) ?? new Uint8Array()), `alg ${alg} PCR${i}`).to.equal(toHex(pcrs.get(i) ?? new Uint8Array()));
    }
  });
});
