import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEventLog, EV } from '@tcg2sim/event-log';
import { captureBoot, dxeLoadedImages, dxeMemoryMap, dxePoolAllocations } from '@tcg2sim/platform-ovmf';
import type { CaptureResult } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

const CODE = join(OVMF_DIR, 'OVMF_CODE_4M.fd');
const VARS = join(OVMF_DIR, 'OVMF_VARS_4M.fd');
const SHELL_FILE = '7C04A583-9E3E-4F1C-AD65-E05268D0B4D1';
const EFI_LOADER_CODE = 1;
const EFI_CONVENTIONAL_MEMORY = 7;

// docs/dxe-allocations.md §1: guest RAM at the Shell prompt, read as the DXE core's structures,
// against the address the firmware itself logged.
describe('dxe-ram-walk on a real boot: the Shell image sits right below its freed buffer @integration', function () {
  this.timeout(400_000);
  const tmp = tempDir('tcg2sim-dxe-ram-');
  let real: CaptureResult;
  let ram: Uint8Array;

  before(async function () {
    requirePrerequisites(this, { files: [CODE, VARS] });
    requirePrerequisites(this, { tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'] });
    const file = join(tmp.path, 'low-ram.bin');
    real = await captureBoot({ code: CODE, vars: VARS, machine: 'q35', memoryMiB: 512, tpmInterface: 'tis', timeoutSeconds: 300, saveLowRamTo: file });
    ram = new Uint8Array(readFileSync(file));
  });
  after(() => tmp.remove());

  it('the Shell\'s LOADED_IMAGE ends where the logged ImageLocationInMemory\'s pool head is; that range is free again', () => {
    const event = decodeEventLog(real.eventLog).events.find((e) => e.eventType === EV.EFI_BOOT_SERVICES_APPLICATION);
    expect(event, 'Shell event').to.not.equal(undefined);
    const logged = new DataView((event?.eventData ?? new Uint8Array(8)).buffer, event?.eventData.byteOffset ?? 0).getBigUint64(0, true);
    const shell = dxeLoadedImages(ram).find((i) => i.fileGuid === SHELL_FILE);
    expect(shell?.codeType).to.equal(EFI_LOADER_CODE);
    const end = (shell?.imageBase ?? 0n) + (((shell?.imageSize ?? 0n) + 0xfffn) & ~0xfffn);
    expect((end + 0x18n).toString(16)).to.equal(logged.toString(16));
    expect(0x20000000n - logged).to.equal(0x1de1fe8n); // the calibration in image-buffer.ts
    const map = dxeMemoryMap(ram);
    expect(map.find((r) => r.start <= end && end <= r.end)?.type).to.equal(EFI_CONVENTIONAL_MEMORY);
  });

  it('finds the DXE drivers\' images and the pools around them (docs/dxe-allocations.md §2)', () => {
    const images = dxeLoadedImages(ram);
    expect(images.length).to.be.greaterThan(90);
    const pools = dxePoolAllocations(ram, 0x1e000000, 0x1f500000);
    expect(pools.length).to.be.greaterThan(1000);
    // EbcDxe's four interpreter stacks: 0xFF000 bytes of data each (D4)
    expect(pools.filter((p) => p.size === 0xff028 && p.type === 4)).to.have.length(4);
  });
});
