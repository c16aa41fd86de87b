import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeEventLog } from '@tcg2sim/event-log';
import { qemuTpmArgs, requirePrerequisites, swtpmPerTest } from '@tcg2sim/test-support';
import { FwCfgError, OVMF_2025_02_CHIPSET_STATE, OVMF_SMI_FEATURE_MASK, QtestSession, FwCfg, readQemuFwCfgFiles } from '@tcg2sim/qemu-fwcfg';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const VECTOR = new URL('../../../platform-ovmf/test/vectors/debian-trixie-2025.02/q35-tis-512-eventlog.bin', import.meta.url);
// The secboot image on q35,smm=on (Secure Boot with Microsoft's keys): an SMM build negotiates SMI features first.
const SMM_VECTOR = new URL('../../../platform-ovmf/test/vectors/debian-trixie-2025.02/q35-smm-secboot-ms-tis-512-eventlog.bin', import.meta.url);

// Truth: the four EV_PLATFORM_CONFIG_FLAGS "ACPI DATA" events a real boot of Debian trixie's
// OVMF 2025.02 measured (QEMU 7.2, q35, 512 MiB, tpm-tis with swtpm, -serial stdio): the
// digests of etc/table-loader, etc/acpi/rsdp, etc/tpm/log and etc/acpi/tables as the firmware
// downloaded them (test/vectors in platform-ovmf).
describe('readQemuFwCfgFiles = what OVMF 2025.02 downloaded and measured @integration', function () {
  this.timeout(60_000);
  const swtpm = swtpmPerTest('tcg2sim-fwcfg-');
  let sock = '';

  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm'] });
  });
  // swtpm ends when QEMU closes its control channel: one per QEMU.
  beforeEach(async () => {
    sock = await swtpm.start();
  });

  const vmArgs = (machine = 'q35'): string[] => [
    '-machine', machine, '-m', '512', '-smp', '1',
    ...qemuTpmArgs(sock, 'tpm-tis'),
    '-net', 'none', '-serial', 'null',
  ];

  it('reads the four blobs with the digests of the real boot\'s "ACPI DATA" events, in AcpiPlatformLib\'s order', async () => {
    const names = ['etc/table-loader', 'etc/acpi/rsdp', 'etc/tpm/log', 'etc/acpi/tables'];
    const t0 = Date.now();
    const files = await readQemuFwCfgFiles({ machine: 'q35', args: vmArgs(), names, chipset: OVMF_2025_02_CHIPSET_STATE.q35 });
    const ms = Date.now() - t0;
    const log = decodeEventLog(readFileSync(VECTOR));
    const acpi = log.events.filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA');
    expect(acpi.map((e) => toHexDigest(e.digests))).to.deep.equal(names.map((n) => sha256(files.get(n) ?? new Uint8Array())));
    expect(files.get('etc/acpi/tables')?.length).to.equal(131072);
    expect(ms).to.be.below(5000);
  });

  it('an SMM build: after the SMI feature negotiation OVMF does, the blobs have the digests of the real SMM boot', async () => {
    const names = ['etc/table-loader', 'etc/acpi/rsdp', 'etc/tpm/log', 'etc/acpi/tables'];
    const log = decodeEventLog(readFileSync(SMM_VECTOR));
    const measured = log.events.filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA').map((e) => toHexDigest(e.digests));
    const files = await readQemuFwCfgFiles({ machine: 'q35', args: vmArgs('q35,smm=on'), names, chipset: OVMF_2025_02_CHIPSET_STATE.q35, smiFeatureMask: OVMF_SMI_FEATURE_MASK });
    expect(measured).to.deep.equal(names.map((n) => sha256(files.get(n) ?? new Uint8Array())));
  });

  it('without the chipset state PlatformPei sets, etc/acpi/tables differs (QEMU builds it on first read)', async () => {
    const files = await readQemuFwCfgFiles({ machine: 'q35', args: vmArgs(), names: ['etc/acpi/tables'], chipset: false });
    const log = decodeEventLog(readFileSync(VECTOR));
    const measured = log.events.filter((e) => e.pcrIndex === 1 && Buffer.from(e.eventData).toString('latin1') === 'ACPI DATA').map((e) => toHexDigest(e.digests));
    expect(measured).to.not.include(sha256(files.get('etc/acpi/tables') ?? new Uint8Array()));
  });

  it('reports a missing file and a QEMU that cannot start with typed errors', async () => {
    const qt = await QtestSession.start({ args: ['-machine', 'q35', '-m', '64', '-nodefaults'] });
    try {
      const fw = await FwCfg.open(qt);
      const err = await fw.readFile('etc/no-such-file').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FwCfgError).with.property('code', 'NO_SUCH_FILE');
    } finally {
      await qt.close();
    }
    const bad = await QtestSession.start({ args: ['-machine', 'no-such-machine'] }).catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(FwCfgError).with.property('code', 'QEMU_FAILED');
  });
});

function toHexDigest(digests: readonly { readonly hashAlg: number; readonly digest: Uint8Array }[]): string {
  return Buffer.from(digests.find((d) => d.hashAlg === 0x000b)?.digest ?? new Uint8Array()).toString('hex');
}
