/**
 * The fw_cfg files of capture's `virt` VM (cortex-a57, tpm-tis-device, a blank 64 MiB pflash
 * unit 0: docs/armvirt.md §8) for a RAM size and CPU count, read from the installed
 * qemu-system-aarch64 under qtest (@tcg2sim/qemu-fwcfg readVirtFwCfgFiles) with an swtpm behind it.
 */
import { spawn } from 'node:child_process';
import { existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVirtFwCfgFiles } from '@tcg2sim/qemu-fwcfg';
import { tempDir } from '@tcg2sim/test-support';

export async function virtFwCfg(memoryMiB = 1024, cpus = 1): Promise<Map<string, Uint8Array>> {
  const dir = tempDir('tcg2sim-armvirt-fwcfg-');
  const sock = join(dir.path, 'ctrl.sock');
  const flash = join(dir.path, 'pflash0.fd');
  writeFileSync(flash, new Uint8Array());
  truncateSync(flash, 64 << 20);
  const swtpm = spawn('swtpm', ['socket', '--tpm2', '--tpmstate', `dir=${dir.path}`, '--ctrl', `type=unixio,path=${sock}`, '--flags', 'not-need-init'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 250 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
    return await readVirtFwCfgFiles({
      args: [
        '-machine', 'virt', '-cpu', 'cortex-a57', '-m', String(memoryMiB), '-smp', String(cpus), '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${flash}`,
        '-chardev', `socket,id=chrtpm,path=${sock}`, '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis-device,tpmdev=tpm0', '-net', 'none', '-serial', 'null',
      ],
    });
  } finally {
    swtpm.kill();
    dir.remove();
  }
}
