/**
 * The fw_cfg files of capture's `virt` VM (cortex-a57, tpm-tis-device, a blank 64 MiB pflash
 * unit 0: docs/armvirt.md §8) for a RAM size and CPU count, read from the installed
 * qemu-system-aarch64 under qtest (@tcg2sim/qemu-fwcfg readVirtFwCfgFiles) with an swtpm behind it.
 */
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVirtFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { qemuTpmArgs, startSwtpmSocket, tempDir } from '@tcg2sim/test-support';

export async function virtFwCfg(memoryMiB = 1024, cpus = 1): Promise<Map<string, Uint8Array>> {
  const dir = tempDir('tcg2sim-armvirt-fwcfg-');
  const sock = join(dir.path, 'ctrl.sock');
  const flash = join(dir.path, 'pflash0.fd');
  writeFileSync(flash, new Uint8Array());
  truncateSync(flash, 64 << 20);
  const swtpm = await startSwtpmSocket(dir.path, sock);
  try {
    return await readVirtFwCfgFiles({
      args: [
        '-machine', 'virt', '-cpu', 'cortex-a57', '-m', String(memoryMiB), '-smp', String(cpus), '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`,
        ...qemuTpmArgs(sock, 'tpm-tis-device'), '-net', 'none', '-serial', 'null',
      ],
    });
  } finally {
    swtpm.kill();
    dir.remove();
  }
}
