import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { QemuConfigError, describeQemuCommand, parseQemuCommandLine } from '@tcg2sim/qemu-config';
import type { VmDescription } from '@tcg2sim/qemu-config';
import { domainToQemuCommand, parseXml } from '@tcg2sim/qemu-config/libvirt';
import { inCi, which } from '@tcg2sim/test-support';

const dir = new URL('../../test/fixtures/', import.meta.url);
const xmlFixtures = readdirSync(dir).filter((f) => f.endsWith('.xml'));

/** What a description says about the VM (not the option texts and offsets it came from). */
function facts(d: VmDescription): unknown {
  return {
    machine: [d.machine.name, d.machine.smm, d.machine.usb],
    memoryMiB: d.memoryMiB,
    smp: d.smp,
    cpu: [d.cpu.model, d.cpu.features],
    accel: d.accel,
    globals: d.globals.map((g) => `${g.driver}.${g.property}=${g.value}`),
    firmware: d.firmware.kind === 'pflash' ? [d.firmware.code.filename, d.firmware.code.readOnly, d.firmware.vars?.filename] : d.firmware.kind === 'bios' ? d.firmware.file : 'default',
    tpm: d.tpm === undefined ? undefined : [d.tpm.model, d.tpm.backend],
    devices: d.devices.map((x) => [x.driver, x.kind, x.pci?.devicePath, x.busProperty, x.bootindex, x.romfile, x.rombar, x.drive?.filename, x.drive?.format]),
    boot: [d.boot.menu, d.boot.strict],
    nodefaults: d.nodefaults,
  };
}

describe('libvirt domain XML into the QEMU command line libvirt 9.0 runs', () => {
  for (const f of xmlFixtures) {
    it(`${f}: the same VM as libvirt 9.0's own command line for it (virsh domxml-to-native, stored)`, () => {
      const ours = describeQemuCommand(domainToQemuCommand(readFileSync(new URL(f, dir), 'utf8'), f));
      const libvirt = parseQemuCommandLine(readFileSync(new URL(f.replace(/\.xml$/, '.virsh-9.0.args'), dir), 'utf8'));
      expect(facts(ours)).to.deep.equal(facts(libvirt));
    });
  }

  describe('against a live virsh (libvirt 9.0 embedded QEMU driver)', function () {
    let root = '';
    before(function () {
      const virsh = which('virsh');
      const ok = virsh !== undefined && (() => {
        root = mkdtempSync(join(tmpdir(), 'tcg2sim-virsh-'));
        mkdirSync(join(root, 'etc', 'qemu'), { recursive: true });
        try {
          execFileSync(virsh, ['-q', '-c', `qemu:///embed?root=${root}`, 'domxml-to-native', 'qemu-argv', new URL(xmlFixtures[0] ?? '', dir).pathname], { stdio: 'pipe' });
          return true;
        } catch {
          return false;
        }
      })();
      if (!ok) {
        const why = virsh === undefined ? 'virsh (libvirt-clients, libvirt-daemon-driver-qemu)' : "virsh's embedded QEMU driver (needs the libvirt-qemu user and group)";
        if (inCi) throw new Error(`missing: ${why}`);
        process.stderr.write(`  skipped: ${why} missing\n`);
        this.skip();
      }
    });
    after(() => {
      if (root !== '') rmSync(root, { recursive: true, force: true });
    });
    for (const f of xmlFixtures) {
      it(`${f}: our command line describes the VM virsh prints`, function () {
        const path = new URL(f, dir).pathname;
        const out = execFileSync('virsh', ['-q', '-c', `qemu:///embed?root=${root}`, 'domxml-to-native', 'qemu-argv', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(facts(describeQemuCommand(domainToQemuCommand(readFileSync(path, 'utf8'), f)))).to.deep.equal(facts(parseQemuCommandLine(out)));
      });
    }
  });

  it('reproduces q35 defaults: root ports per PCIe device plus a spare, qemu-xhci, balloon, S3/S4 globals', () => {
    const d = describeQemuCommand(domainToQemuCommand(readFileSync(new URL('q35-virtio-disk-net.xml', dir), 'utf8')));
    expect(d.devices.filter((x) => x.driver === 'pcie-root-port').map((x) => x.pci?.devicePath)).to.deep.equal(
      ['PciRoot(0x0)/Pci(0x1,0x0)', 'PciRoot(0x0)/Pci(0x1,0x1)', 'PciRoot(0x0)/Pci(0x1,0x2)', 'PciRoot(0x0)/Pci(0x1,0x3)', 'PciRoot(0x0)/Pci(0x1,0x4)'],
    );
    expect(d.devices.map((x) => x.driver)).to.include.members(['qemu-xhci', 'virtio-balloon-pci', 'tpm-crb']);
    expect(d.globals.map((g) => `${g.driver}.${g.property}=${g.value}`)).to.deep.equal(['ICH9-LPC.disable_s3=1', 'ICH9-LPC.disable_s4=1']);
  });

  it('hostile XML: no DOCTYPE or entities, malformed input named by line, never a crash', () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><domain>&b;</domain>';
    expect(() => parseXml(bomb, 'x.xml')).to.throw(QemuConfigError, /DOCTYPE/);
    expect(() => parseXml('<domain><name>a</domain>', 'x.xml')).to.throw(QemuConfigError, /line 1/);
    expect(() => parseXml('<domain>&foo;</domain>', 'x.xml')).to.throw(QemuConfigError, /predefined/);
    expect(() => domainToQemuCommand('<vm/>', 'x.xml')).to.throw(QemuConfigError, /not <domain>/);
    expect(() => domainToQemuCommand("<domain type='kvm'><name>a</name><os><type machine='virt'>hvm</type></os></domain>")).to.throw(QemuConfigError, /machine "virt" is not modelled/);
    expect(() => parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`, 'x.xml')).to.throw(QemuConfigError, /nested deeper/);
  });
});
