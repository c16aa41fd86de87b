import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog } from '@tcg2sim/event-log';
import { qemuTpmArgs, requirePrerequisites, swtpmPerTest } from '@tcg2sim/test-support';
import { FwCfg, FwCfgError, QtestSession, readVirtFwCfgFiles, virtMmioRegisters } from '@tcg2sim/qemu-fwcfg';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const NAMES = ['etc/table-loader', 'etc/acpi/rsdp', 'etc/tpm/log', 'etc/acpi/tables'];
// Truth: the four "ACPI DATA" events of a real boot of Debian 13's AAVMF 2025.02 (QEMU 7.2,
// `virt`, cortex-a57, 1024 MiB, 1 CPU, tpm-tis-device on swtpm, the firmware in pflash units 0 and 1).
const VECTOR = new URL('../../../platform-armvirt/test/vectors/debian-13-2025.02/secboot-m1024c1all-eventlog.bin', import.meta.url);

function measured(): string[] {
  const log = decodeEventLog(readFileSync(VECTOR));
  return log.events
    .filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA')
    .map((e) => Buffer.from(e.digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex'));
}

describe('readVirtFwCfgFiles (aarch64 virt, MMIO fw_cfg) = what AAVMF 2025.02 downloaded and measured @integration', function () {
  this.timeout(60_000);
  const swtpm = swtpmPerTest('tcg2sim-fwcfg-virt-');
  const flash = join(swtpm.dir, 'pflash0.fd');
  let sock = '';

  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-aarch64', 'swtpm'] });
    // No guest code runs (-S): a blank 64 MiB bank stands in for AAVMF_CODE.fd.
    writeFileSync(flash, new Uint8Array());
    truncateSync(flash, 64 << 20);
  });
  beforeEach(async () => {
    sock = await swtpm.start();
  });

  const vmArgs = (pflash: boolean, memory = 1024): string[] => [
    '-machine', 'virt', '-cpu', 'cortex-a57', '-m', String(memory), '-smp', '1',
    ...(pflash ? ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`] : []),
    ...qemuTpmArgs(sock, 'tpm-tis-device'),
    '-net', 'none', '-serial', 'null',
  ];

  it('reads the four blobs with the digests of the real boot\'s "ACPI DATA" events, in QemuFwCfgAcpiPlatform\'s order', async () => {
    const t0 = Date.now();
    const files = await readVirtFwCfgFiles({ args: vmArgs(true), names: NAMES });
    const ms = Date.now() - t0;
    expect(NAMES.map((x) => sha256(files.get(x) ?? new Uint8Array()))).to.deep.equal(measured());
    expect(files.get('etc/acpi/tables')?.length).to.equal(131072);
    expect(ms).to.be.below(5000);
  });

  it('the same with 2048 MiB (the tables do not follow RAM on virt)', async () => {
    const files = await readVirtFwCfgFiles({ args: vmArgs(true, 2048), names: NAMES });
    expect(NAMES.map((x) => sha256(files.get(x) ?? new Uint8Array()))).to.deep.equal(measured());
  });

  it('with pflash unit 0 empty, the DSDT and so etc/acpi/tables differ (the other three do not)', async () => {
    const files = await readVirtFwCfgFiles({ args: vmArgs(false), names: NAMES });
    const got = NAMES.map((x) => sha256(files.get(x) ?? new Uint8Array()));
    const want = measured();
    expect(got.slice(0, 3)).to.deep.equal(want.slice(0, 3));
    expect(got[3]).to.not.equal(want[3]);
  });

  it('the x86 ports find no fw_cfg on virt: a typed error, not a hang', async () => {
    const qt = await QtestSession.start({ qemuBinary: 'qemu-system-aarch64', args: ['-machine', 'virt', '-m', '64', '-nodefaults'] });
    try {
      const err = await FwCfg.open(qt).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FwCfgError).with.property('code', 'NO_FW_CFG');
      const fw = await FwCfg.open(qt, virtMmioRegisters(qt));
      const missing = await fw.readFile('etc/no-such-file').catch((e: unknown) => e);
      expect(missing).to.be.instanceOf(FwCfgError).with.property('code', 'NO_SUCH_FILE');
    } finally {
      await qt.close();
    }
  });
});
