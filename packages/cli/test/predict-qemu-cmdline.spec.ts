/**
 * `predict --qemu-cmdline` / `--libvirt-xml` and `capture --qemu-cmdline`: usage errors name the
 * option that is not modelled (exit 2), and a real boot of a simple q35 VM from its command line
 * gives the log predict computes for that same line, byte for byte.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '@tcg2sim/cli';
import { ovmfImage, requirePrerequisites } from '@tcg2sim/test-support';
import { runCli } from './harness.ts';
import { domainToQemuArgv } from '@tcg2sim/qemu-config/libvirt';

/** A minimal libvirt q35 domain under TCG: libvirt adds root ports, qemu-xhci and a balloon. */
function minimalDomain(nvram: string): string {
  return `<domain type='qemu'><name>t1</name><memory unit='GiB'>1</memory><vcpu placement='static'>2</vcpu>
    <os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>${CODE}</loader><nvram>${nvram}</nvram></os>
    <features><acpi/><apic/></features><pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
    <devices><serial type='pty'/><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>`;
}

const shellQuote = (w: string): string => `'${w.replaceAll("'", "'\\''")}'`;

const CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

/** The simple q35 VM: OVMF, 1 GiB, 2 CPUs, tpm-crb, S3/S4 disabled as libvirt writes it, no NIC. */
const SIMPLE = `/usr/bin/qemu-system-x86_64 \\
-machine pc-q35-7.2,smm=off \\
-accel tcg \\
-m 1024 \\
-smp 2,sockets=2,cores=1,threads=1 \\
-drive if=pflash,format=raw,unit=0,readonly=on,file=${CODE} \\
-drive if=pflash,format=raw,unit=1,file=${VARS} \\
-global ICH9-LPC.disable_s3=1 \\
-global ICH9-LPC.disable_s4=1 \\
-chardev socket,id=chrtpm,path=/run/libvirt/qemu/swtpm/1-vm1-swtpm.sock \\
-tpmdev emulator,id=tpm-tpm0,chardev=chrtpm \\
-device tpm-crb,tpmdev=tpm-tpm0,id=tpm0 \\
-net none \\
-display none \\
-serial stdio`;

describe('tcg2sim predict --qemu-cmdline / --libvirt-xml (usage)', () => {
  it('exits 2 with one line naming every option that is not modelled', async () => {
    const r = await runCli('predict', '--qemu-cmdline', `${SIMPLE} -device rtl8139,netdev=n0 -netdev user,id=n0 -device virtio-net-pci,netdev=n1,rombar=0 -netdev user,id=n1 -device virtio-blk-pci,drive=d,bootindex=1 -drive if=none,id=d,file=/x.img,format=qcow2`);
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.match(/^tcg2sim: --qemu-cmdline: /);
    expect(r.err).to.match(/-device rtl8139,netdev=n0 \(offset \d+\): NIC model rtl8139 is not modelled/);
    expect(r.err).to.include('rombar=0: without an option ROM BAR');
    expect(r.err).to.include('a qcow2 image is not modelled');
  });

  it('exits 2 when a flag repeats what the command line gives, or on shell syntax it does not run', async () => {
    expect((await runCli('predict', '--qemu-cmdline', SIMPLE, '--memory', '512')).err).to.match(/--memory: the VM comes from --qemu-cmdline/);
    const r = await runCli('predict', '--qemu-cmdline', `${SIMPLE} -name $NAME`);
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/--qemu-cmdline: offset \d+: \$ would be expanded/);
  });

  it('--libvirt-xml: names what is not modelled in a libvirt VM (KVM CPUID)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-lv-'));
    try {
      const xml = join(dir, 'vm.xml');
      writeFileSync(xml, `<domain type='kvm'><name>vm1</name><memory unit='GiB'>1</memory><vcpu>2</vcpu>
        <os><type arch='x86_64' machine='q35'>hvm</type><loader readonly='yes' type='pflash'>${CODE}</loader><nvram>${join(dir, 'VARS.fd')}</nvram></os>
        <features><acpi/></features><pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='no'/></pm>
        <devices><interface type='network'><source network='default'/><model type='virtio'/></interface><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>`);
      const r = await runCli('predict', '--libvirt-xml', xml);
      expect(r.status).to.equal(EXIT.USAGE);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.include(`--libvirt-xml ${xml}: -cpu qemu64`);
      expect(r.err).to.include('with -accel kvm the CPUID vendor');
      expect(r.err).to.not.include('virtio-net-pci'); // the NIC is modelled; only the KVM CPUID is not
      writeFileSync(xml, '<!DOCTYPE d [<!ENTITY a "b">]><domain/>');
      expect((await runCli('predict', '--libvirt-xml', xml)).err).to.match(/DOCTYPE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--libvirt-xml of a TCG domain: predicts, with a note on the devices libvirt adds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tcg2sim-lv-'));
    try {
      const xml = join(dir, 't1.xml');
      writeFileSync(xml, minimalDomain(VARS));
      const r = await runCli('predict', '--libvirt-xml', xml);
      expect(r.status, r.err).to.equal(EXIT.OK);
      expect(r.out).to.match(/started Boot0001 "EFI Internal Shell"/);
      // libvirt adds root ports, qemu-xhci and a balloon: each has a measured footprint (device-footprints.ts)
      expect(r.out).to.not.include('no measured footprint');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('capture --qemu-cmdline: exits 2 on a line without a TPM, before booting', async () => {
    const r = await runCli('capture', '--qemu-cmdline', SIMPLE.replace('-device tpm-crb,tpmdev=tpm-tpm0,id=tpm0', ''));
    expect(r.status).to.equal(EXIT.USAGE);
    expect(r.err).to.match(/no TPM device/);
  });
});

describe('capture --qemu-cmdline = predict --qemu-cmdline on a real boot @integration', function () {
  this.timeout(600_000);
  let dir = '';
  type Run = Awaited<ReturnType<typeof runCli>>;
  // The three captures are independent boots: `before` starts them at once (each in its own
  // `tcg2sim capture` process and output directory); each test awaits its own, then predicts.
  const captures = new Map<string, Promise<Run>>();
  let libvirtXml = '';
  before(function () {
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'], files: [CODE, VARS] });
    dir = mkdtempSync(join(tmpdir(), 'tcg2sim-qemu-cmdline-'));
    const start = (name: string, line: string): void => {
      captures.set(name, runCli('capture', '--qemu-cmdline', line, '--out', join(dir, name), '--no-predict'));
    };
    start('simple', SIMPLE);
    const nvram = join(dir, 't1_VARS.fd');
    copyFileSync(VARS, nvram);
    libvirtXml = join(dir, 't1.xml');
    writeFileSync(libvirtXml, minimalDomain(nvram));
    const { program, args } = domainToQemuArgv(readFileSync(libvirtXml, 'utf8'));
    start('libvirt', [program, ...args].map(shellQuote).join(' '));
    start('nodefaults', SIMPLE.replace('-net none', '-nodefaults'));
  });
  after(async () => {
    await Promise.allSettled(captures.values());
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function captured(name: string): Promise<void> {
    const cap = await captures.get(name);
    if (cap === undefined) throw new Error(`capture ${name} was not started`);
    expect(cap.status, cap.err).to.equal(EXIT.OK);
  }

  async function captureAndPredict(name: string, line: string): Promise<{ real: Buffer; predicted: Buffer; qemuLine: string }> {
    await captured(name);
    const pred = await runCli('predict', '--qemu-cmdline', line, '--log-out', join(dir, `${name}.predicted.bin`));
    expect(pred.status, pred.err).to.equal(EXIT.OK);
    return { real: readFileSync(join(dir, name, 'eventlog.bin')), predicted: readFileSync(join(dir, `${name}.predicted.bin`)), qemuLine: readFileSync(join(dir, name, 'qemu-command-line.txt'), 'utf8') };
  }

  it('the simple q35 VM (1 GiB, 2 CPUs, tpm-crb, disable_s3/s4): byte-identical event logs', async function () {
    if (ovmfImage('OVMF_CODE_4M.fd') === undefined) this.skip();
    const { real, predicted, qemuLine } = await captureAndPredict('simple', SIMPLE);
    expect(qemuLine).to.include('-global ICH9-LPC.disable_s3=1').and.include('-smp 2,sockets=2,cores=1,threads=1').and.include('-device tpm-crb,tpmdev=tpm-tpm0,id=tpm0');
    expect(predicted.length).to.equal(real.length);
    expect(predicted.equals(real), 'predicted log = captured log').to.equal(true);
  });

  it("a libvirt domain: QEMU booting libvirt's command line for it gives the PCRs predict --libvirt-xml gives", async function () {
    if (ovmfImage('OVMF_CODE_4M.fd') === undefined) this.skip();
    await captured('libvirt');
    const pred = await runCli('predict', '--libvirt-xml', libvirtXml, '--json');
    expect(pred.status, pred.err).to.equal(EXIT.OK);
    const real = (JSON.parse(readFileSync(join(dir, 'libvirt', 'summary.json'), 'utf8')) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    const predicted = (JSON.parse(pred.out) as { pcrs: Record<string, Record<string, string>> }).pcrs;
    for (const bank of ['sha1', 'sha256', 'sha384', 'sha512']) {
      for (let i = 0; i <= 7; i++) expect(predicted[bank]?.[String(i)], `${bank} PCR${i}`).to.equal(real[bank]?.[String(i)]);
    }
  });

  it('the same VM with -nodefaults (no default CD-ROM: the Shell is Boot0001): byte-identical event logs', async function () {
    if (ovmfImage('OVMF_CODE_4M.fd') === undefined) this.skip();
    const { real, predicted } = await captureAndPredict('nodefaults', SIMPLE.replace('-net none', '-nodefaults'));
    expect(predicted.length).to.equal(real.length);
    expect(predicted.equals(real), 'predicted log = captured log').to.equal(true);
  });
});
