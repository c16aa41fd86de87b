/**
 * The device model of the virt VM without booting anything: the NIC's boot options (the four
 * PxeBc/HTTP LoadFile handles, no iPXE MAC() option), the disks as platform-ovmf's option model
 * takes them, and the device buffer calibration (measured shapes calibrated, others the nearest
 * with a note). The real boots behind them: packages/cli/test/predict-armvirt-devices.spec.ts.
 */
import { expect } from 'chai';
import { devicePathToText } from '@tcg2sim/uefi';
import { rootPciPath } from '@tcg2sim/platform-ovmf';
import { VIRT_DEVICE_BUFFERS, virtDeviceBuffer, virtDiskSpecs, virtNetworkOptions } from '@tcg2sim/platform-armvirt';
import type { VirtDeviceBufferContext } from '@tcg2sim/platform-armvirt';

/** The builds as virtBuildFacts reads them from Debian 12's and sid's images. */
const BOOKWORM = { version: '', release: 202211, buildTree: '/build/reproducible-path/edk2-2022.11/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' };
const TRIXIE = { version: '2025.02-8+deb13u1', release: 202502, buildTree: '/build/reproducible-path/edk2-2025.02/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' };
const SID = { version: '2026.08+ds-2', release: 202608, buildTree: '/build/reproducible-path/edk2-2026.08+ds/debian/build/qemu-efi-aarch64/secboot/Build/ArmVirtQemu-AArch64/RELEASE_GCC/AARCH64' };

const ctx = (o: Partial<VirtDeviceBufferContext>): VirtDeviceBufferContext => ({
  machine: { memoryMiB: 1024, cpus: 1 }, build: BOOKWORM, activePcrBanks: 0xf, what: 'rom', index: 0, nics: 1, disks: [], bootOrder: false, behindPorts: false, ...o,
});

describe('platform-armvirt: NICs and disks on virt', () => {
  it('a virtio-net-pci NIC at 01.0: PXEv4, PXEv6, HTTPv4, HTTPv6 (the real 2022.11 boot\'s Boot0001-0004)', () => {
    const o = virtNetworkOptions([{ pciPath: rootPciPath(1), mac: Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56) }]);
    expect(o.map((x) => x.description)).to.deep.equal(['UEFI PXEv4 (MAC:525400123456)', 'UEFI PXEv6 (MAC:525400123456)', 'UEFI HTTPv4 (MAC:525400123456)', 'UEFI HTTPv6 (MAC:525400123456)']);
    expect(devicePathToText(o[0]?.filePath ?? { nodes: [], raw: new Uint8Array() })).to.match(/^PciRoot\(0x0\)\/Pci\(0x1,0x0\)\/MAC\(525400123456,0x1\)\/IPv4\(/);
  });

  it('NICs in PCI order, whatever the order given', () => {
    const o = virtNetworkOptions([{ pciPath: rootPciPath(3), mac: Uint8Array.of(0x52, 0x54, 0, 0, 0, 2) }, { pciPath: rootPciPath(2), mac: Uint8Array.of(0x52, 0x54, 0, 0, 0, 1) }]);
    expect(o.map((x) => x.description)[0]).to.equal('UEFI PXEv4 (MAC:525400000001)');
  });

  it('disks are always placed for the option model', () => {
    const specs = virtDiskSpecs([{ loader: {} as never, iface: 'nvme', pciPath: rootPciPath(2), serial: 's0' }, { loader: {} as never, iface: 'scsi', pciPath: [{ device: 1, fn: 0 }, { device: 0, fn: 0 }], unit: 3 }]);
    expect(specs).to.deep.equal([{ iface: 'nvme', placement: { pci: [{ device: 2, fn: 0 }], serial: 's0' } }, { iface: 'scsi', placement: { pci: [{ device: 1, fn: 0 }, { device: 0, fn: 0 }], unit: 3 } }]);
  });

  it('device buffers: measured shapes of a measured build (its version and build tree) are calibrated; other builds, RAM, banks or mixes get the nearest with a note', () => {
    expect(virtDeviceBuffer(ctx({}))).to.deep.include({ address: 0x7ec17018n, calibrated: true });
    // 2022.11 follows the top of RAM: 2048 MiB moves it by 1 GiB, not calibrated
    const big = virtDeviceBuffer(ctx({ machine: { memoryMiB: 2048, cpus: 1 } }));
    expect(big).to.deep.include({ address: 0xbec17018n, calibrated: false });
    expect(big?.why).to.match(/nearest measured shape/);
    // 2026.08 sits at a fixed place above the base of RAM
    expect(virtDeviceBuffer(ctx({ build: SID, machine: { memoryMiB: 4096, cpus: 1 } }))?.address).to.equal(0x45e88018n);
    expect(virtDeviceBuffer(ctx({ build: SID, what: 'loader', nics: 0, disks: ['nvme'] }))).to.deep.include({ address: 0x45e2d018n, calibrated: true });
    expect(virtDeviceBuffer(ctx({ activePcrBanks: 0x2 }))?.calibrated).to.equal(false);
    // sid's strictnx build: the same version from another build tree, an estimate (3 pages off on its real boot)
    const nx = virtDeviceBuffer(ctx({ build: { ...SID, buildTree: SID.buildTree.replace('/secboot/', '/secboot-strictnx/') }, what: 'loader', nics: 0, disks: ['virtio'] }));
    expect(nx).to.deep.include({ address: 0x45e25018n, calibrated: false });
    expect(nx?.why).to.match(/another build \(build tree .*secboot-strictnx/);
    // a build of a release nothing was measured for takes the nearest release, as an estimate; no release: nothing
    expect(virtDeviceBuffer(ctx({ build: { version: '2024.02-2', release: 202402, buildTree: '/build/edk2-8UkK1v/edk2-2024.02/Build/ArmVirtQemu-AARCH64/RELEASE_GCC5/AARCH64' } }))?.calibrated).to.equal(false);
    expect(virtDeviceBuffer(ctx({ build: { version: '', release: undefined, buildTree: undefined } }))).to.equal(undefined);
    expect(VIRT_DEVICE_BUFFERS.length).to.equal(3);
  });

  it('device buffers with Secure Boot: a refused ROM image moves 2025.02\'s loader 0x19B000 lower, not 2022.11\'s; a loader beyond a pool page is an estimate its pages lower', () => {
    const nvmeNic = { build: TRIXIE, what: 'loader' as const, nics: 1, disks: ['nvme' as const] };
    expect(virtDeviceBuffer(ctx(nvmeNic))).to.deep.include({ address: 0x7ea92018n, calibrated: true });
    expect(virtDeviceBuffer(ctx({ ...nvmeNic, romRefused: true }))).to.deep.include({ address: 0x7e8f7018n, calibrated: true });
    const virtioNic = { what: 'loader' as const, nics: 1, disks: ['virtio' as const] };
    expect(virtDeviceBuffer(ctx({ ...virtioNic, romRefused: true }))?.address).to.equal(virtDeviceBuffer(ctx(virtioNic))?.address);
    expect(virtDeviceBuffer(ctx({ ...virtioNic, fileSize: 0xb38 }))).to.deep.include({ address: 0x7e94d018n, calibrated: true });
    const shim = virtDeviceBuffer(ctx({ ...virtioNic, romRefused: true, fileSize: 1072064 }));
    expect(shim).to.deep.include({ address: 0x7e94d018n - 261n * 0x1000n, calibrated: false });
    expect(shim?.why).to.match(/1072064-byte loader: 261 pages lower/);
  });
});
