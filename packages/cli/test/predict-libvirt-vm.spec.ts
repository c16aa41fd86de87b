/**
 * The libvirt-shaped VM of issue 13 point 5 (q35 pc-q35-7.2, 2 GiB, 2 CPUs, disable_s3/s4,
 * tpm-crb, qemu-xhci, virtio-serial, balloon, rng, a virtio-net NIC and Debian's shim disk, each
 * on its own pcie-root-port as libvirt 9.0 places them) and a NIC behind a root port without a
 * disk: `predict --qemu-cmdline` against real captures (QEMU 7.2 + swtpm, Debian 12
 * OVMF_CODE_4M.fd), stored as vectors (test/vectors/libvirt-vm/), and against a live capture
 * (@integration).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '@tcg2sim/cli';
import { decodeEventLog, replayEventLog } from '@tcg2sim/event-log';
import { toHex } from '@tcg2sim/binary-codec';
import { OVMF_DIR, buildEspDisk, requirePrerequisites, tempDir } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';

const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const vectors = new URL('../../test/vectors/libvirt-vm/', import.meta.url);
const fixtures = new URL('../../../qemu-config/test/fixtures/', import.meta.url);
const EV_EFI_BOOT_SERVICES_APPLICATION = 0x80000003;

/**
 * Every event of `ours` equals the real one (PCR, type, digests of every bank, event data), but
 * for the ImageLocationInMemory (the first 8 bytes of event data) of the events in `addressOnly`;
 * PCRs 0-7 of every bank replay equal.
 */
function expectSameLog(ours: Uint8Array, real: Uint8Array, addressOnly: readonly number[] = []): void {
  const a = decodeEventLog(ours);
  const b = decodeEventLog(real);
  expect(a.events.length, 'event count').to.equal(b.events.length);
  a.events.forEach((e, i) => {
    const r = b.events[i];
    expect([e.pcrIndex, e.eventType], `event ${i}`).to.deep.equal([r?.pcrIndex, r?.eventType]);
    expect(e.digests.map((d) => toHex(d.digest)), `event ${i} digests`).to.deep.equal(r?.digests.map((d) => toHex(d.digest)));
    const skip = addressOnly.includes(i) ? 8 : 0;
    expect(toHex(e.eventData.subarray(skip)), `event ${i} data`).to.equal(toHex(r?.eventData.subarray(skip) ?? new Uint8Array()));
  });
  const ra = replayEventLog(a);
  const rb = replayEventLog(b);
  expect(ra.banks.size).to.equal(4);
  for (const [alg, pcrs] of rb.banks) {
    for (let i = 0; i <= 7; i++) expect(toHex(ra.banks.get(alg)?.get(i) ?? new Uint8Array()), `alg ${alg} PCR${i}`).to.equal(toHex(pcrs.get(i) ?? new Uint8Array()));
  }
  if (addressOnly.length === 0) expect(Buffer.from(ours).equals(Buffer.from(real)), 'byte for byte').to.equal(true);
}

/** libvirt 9.0's command line for the fixture domain, with this machine's disk and store, and without bootindex when asked. */
function libvirtLine(disk: string, nvram: string, bootindex: boolean): string {
  const line = readFileSync(new URL('q35-libvirt-vm.virsh-9.0.args', fixtures), 'utf8')
    .replaceAll('/var/lib/libvirt/images/lv1.img', disk)
    .replaceAll('/var/lib/libvirt/qemu/nvram/lv1_VARS.fd', nvram);
  return bootindex ? line : line.replace(',"bootindex":1', '');
}

/** The NIC-behind-a-root-port VM (no disk): -nodefaults, 1 GiB, 2 CPUs, S3 off, CRB. */
const NIC_ROOT_PORT = `/usr/bin/qemu-system-x86_64 -machine pc-q35-7.2,smm=off -accel tcg -m 1024 -smp 2,sockets=2,cores=1,threads=1 -drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} -drive if=pflash,format=raw,unit=1,file=${VARS} -nodefaults -global ICH9-LPC.disable_s3=1 -global ICH9-LPC.disable_s4=1 -device pcie-root-port,port=8,chassis=1,id=pci.1,bus=pcie.0,multifunction=on,addr=0x1 -device pcie-root-port,port=9,chassis=2,id=pci.2,bus=pcie.0,addr=0x1.0x1 -netdev user,id=hostnet0 -device virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:6b:3c:58,bus=pci.1,addr=0x0 -chardev socket,id=chrtpm,path=/tmp/x.sock -tpmdev emulator,id=tpm-tpm0,chardev=chrtpm -device tpm-crb,tpmdev=tpm-tpm0,id=tpm0 -serial stdio -display none`;

describe('predict --qemu-cmdline: the libvirt-shaped VM and a NIC behind a root port = real captures (stored)', function () {
  this.timeout(120_000);
  const tmp = tempDir('tcg2sim-libvirt-vm-');
  let disk = '';
  let nvram = '';
  before(function () {
    requirePrerequisites(this, { files: [SHIM, CODE, VARS] });
    disk = join(tmp.path, 'shim-disk.img');
    nvram = join(tmp.path, 'lv1_VARS.fd');
    // The disk the captures booted: Debian's shim as \EFI\BOOT\BOOTX64.EFI on a FAT12 ESP.
    writeFileSync(disk, buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }));
    copyFileSync(VARS, nvram);
  });
  after(() => {
    tmp.remove();
  });

  async function predictLog(line: string, tpm: 'soft' | 'swtpm', name: string): Promise<Uint8Array> {
    const out = join(tmp.path, `${name}-${tpm}.bin`);
    const r = await runCli('predict', '--qemu-cmdline', line, '--tpm', tpm, '--log-out', out);
    expect(r.status, r.err).to.equal(EXIT.OK);
    return new Uint8Array(readFileSync(out));
  }

  for (const tpm of ['soft', 'swtpm'] as const) {
    it(`libvirt VM without bootindex (the NIC connected: its five network options): every event up to the loader's image event, PCRs 0-7 of every bank (${tpm} TPM)`, async function () {
      if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
      const ours = await predictLog(libvirtLine(disk, nvram, false), tpm, 'no-bootindex');
      const real = new Uint8Array(readFileSync(new URL('q35-libvirt-vm-no-bootindex.eventlog.bin', vectors)));
      const last = decodeEventLog(ours).events.at(-1);
      expect(last?.eventType).to.equal(EV_EFI_BOOT_SERVICES_APPLICATION);
      expectSameLog(ours, real, ADDRESS_GAPS.noBootindex);
    });

    it(`a virtio-net NIC behind a pcie-root-port, no disk: iPXE's ROM driver at its Offset() path, every network attempt, then the Shell (${tpm} TPM)`, async function () {
      if (tpm === 'swtpm') requirePrerequisites(this, { tools: ['swtpm', 'swtpm_setup'] });
      const ours = await predictLog(NIC_ROOT_PORT, tpm, 'nic-root-port');
      const real = new Uint8Array(readFileSync(new URL('q35-nic-root-port.eventlog.bin', vectors)));
      expectSameLog(ours, real, ADDRESS_GAPS.nicRootPort);
    });
  }
});

/** Events whose ImageLocationInMemory the model does not yet give exactly (see docs/qemu-cmdline.md). */
const ADDRESS_GAPS = { noBootindex: [29], nicRootPort: [37] } as const;
