import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '@tcg2sim/binary-codec';
import { EV, decodeEventLog, diffEventLogs, replayEventLog } from '@tcg2sim/event-log';
import { hashAlgInfo } from '@tcg2sim/hash-lib';
import { SoftTpmBackend, SwtpmBackend } from '@tcg2sim/tpm-backends';
import type { TpmBackend } from '@tcg2sim/tpm-backends';
import { bytesDiskSource, findDiskBootLoader, getVariable } from '@tcg2sim/uefi';
import { MachineDescription, captureBoot, defaultOvmfBootOptions, encodeBootOption, encodeBootOrder, predict } from '@tcg2sim/platform-ovmf';
import type { CaptureResult, DiskInterface } from '@tcg2sim/platform-ovmf';
import { OVMF_DIR, buildEfiApplication, buildEspDisk, requirePrerequisites, tempDir } from '@tcg2sim/test-support';

const EFI_GLOBAL_VARIABLE = '8BE4DF61-93CA-11D2-AA0D-00E098032B8C';
/** Debian's signed shim (package shim-signed): the first disk's BOOTX64.EFI. */
const SHIM = '/usr/lib/shim/shimx64.efi.signed';
/** DXEFV's FV name in Debian's OVMF 2022.11 images (the Fv() node of UiApp's and the Shell's options). */
const DXEFV = '7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1';

interface Config {
  readonly name: string;
  readonly machine: 'q35' | 'pc';
  /** Attached in this order: the first holds shim (or the repo's loader: `ownLoaderFirst`), a second one the repo's own loader. */
  readonly disks: readonly DiskInterface[];
  readonly ownLoaderFirst?: boolean;
  readonly memoryMiB?: number;
  readonly banks?: readonly ('sha1' | 'sha256' | 'sha384' | 'sha512')[];
  readonly tpmInterface?: 'tis' | 'crb';
}

const CONFIGS: readonly Config[] = [
  { name: 'q35, virtio-blk', machine: 'q35', disks: ['virtio'] },
  { name: 'q35, NVMe', machine: 'q35', disks: ['nvme'] },
  { name: 'q35, SATA (ICH9 AHCI port 0)', machine: 'q35', disks: ['sata'] },
  { name: 'q35, virtio-scsi', machine: 'q35', disks: ['scsi'] },
  { name: 'q35, two virtio-blk disks', machine: 'q35', disks: ['virtio', 'virtio'] },
  { name: 'pc, NVMe', machine: 'pc', disks: ['nvme'] },
  { name: 'pc, SATA (-device ahci)', machine: 'pc', disks: ['sata'] },
  { name: 'pc, virtio-scsi', machine: 'pc', disks: ['scsi'] },
  { name: 'q35, NVMe, 1024 MiB, SHA256-only swtpm, own loader', machine: 'q35', disks: ['nvme'], ownLoaderFirst: true, memoryMiB: 1024, banks: ['sha256'] },
  { name: 'q35, SATA, 2048 MiB, SHA1+SHA256 swtpm, own loader', machine: 'q35', disks: ['sata'], ownLoaderFirst: true, memoryMiB: 2048, banks: ['sha1', 'sha256'] },
  { name: 'pc, virtio-scsi, 1536 MiB, tpm-crb, SHA256-only swtpm', machine: 'pc', disks: ['scsi'], memoryMiB: 1536, banks: ['sha256'], tpmInterface: 'crb' },
];
const imageOf = (cfg: Config, i: number): number => (i === 0 && cfg.ownLoaderFirst !== true ? 0 : 1);

const firmware = (m: 'q35' | 'pc'): { code: string; vars: string } =>
  m === 'q35' ? { code: join(OVMF_DIR, 'OVMF_CODE_4M.fd'), vars: join(OVMF_DIR, 'OVMF_VARS_4M.fd') } : { code: join(OVMF_DIR, 'OVMF_CODE.fd'), vars: join(OVMF_DIR, 'OVMF_VARS.fd') };

/** The repo's own loader (~100 KiB, parks the CPU) for the second disk. */
function ownLoader(): Uint8Array {
  const body = new Uint8Array(100 * 1024);
  body.set([0xf4, 0xeb, 0xfd]);
  for (let i = 3; i < body.length; i++) body[i] = (i * 37) & 0xff;
  return buildEfiApplication(body);
}

describe("prediction = real OVMF boot of Debian's shim (or the repo's loader) from a disk on each interface (q35 and pc) @integration", function () {
  this.timeout(900_000);
  const tmp = tempDir('tcg2sim-diskif-');
  const real = new Map<string, CaptureResult>();
  let disks: Uint8Array[] = [];

  before(async function () {
    requirePrerequisites(this, {
      tools: ['qemu-system-x86_64', 'swtpm', 'swtpm_setup'],
      files: [SHIM, ...Object.values(firmware('q35')), ...Object.values(firmware('pc'))],
    });
    disks = [
      buildEspDisk({ fatType: 'FAT12', files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: readFileSync(SHIM) }] }),
      buildEspDisk({
        fatType: 'FAT12', diskGuid: '11111111-2222-4333-8444-555555555555', espGuid: '66666666-7777-4888-9999-AAAAAAAAAAAA',
        files: [{ path: 'EFI/BOOT/BOOTX64.EFI', data: ownLoader() }],
      }),
    ];
    disks.forEach((d, i) => writeFileSync(join(tmp.path, `disk${i}.img`), d));
    // Concurrent captures; snapshot=on lets them share the image files.
    const results = await Promise.all(CONFIGS.map((cfg) => captureBoot({
      ...firmware(cfg.machine), machine: cfg.machine, memoryMiB: cfg.memoryMiB ?? 512, timeoutSeconds: 500,
      tpmInterface: cfg.tpmInterface ?? 'tis', ...(cfg.banks !== undefined ? { banks: cfg.banks } : {}),
      // shim goes on to load grubx64.efi: stop as soon as BDS starts it (its image event is logged by then).
      stopWhen: 'BdsDxe: starting Boot',
      disks: cfg.disks.map((iface, i) => ({ file: join(tmp.path, `disk${imageOf(cfg, i)}.img`), iface })),
    })));
    CONFIGS.forEach((cfg, i) => {
      const r = results[i];
      if (r !== undefined) real.set(cfg.name, r);
    });
  });
  after(() => {
    tmp.remove();
  });

  for (const cfg of CONFIGS) {
    describe(cfg.name, () => {
      const machine = MachineDescription.parse({ machine: cfg.machine, memoryMiB: cfg.memoryMiB ?? 512 });
      const capture = (): CaptureResult => {
        const r = real.get(cfg.name);
        if (r === undefined) throw new Error('no capture');
        return r;
      };

      for (const tpm of ['soft', 'swtpm'] as const) {
        it(`predicts every event up to and including the loader's image event byte for byte, and PCR 0-7 of every bank (${tpm} TPM)`, async () => {
          const r = capture();
          const fw = firmware(cfg.machine);
          const banks = cfg.banks !== undefined ? { banks: cfg.banks } : {};
          const backend: TpmBackend = tpm === 'soft' ? new SoftTpmBackend(banks) : await SwtpmBackend.start(cfg.banks !== undefined ? { pcrBanks: cfg.banks } : {});
          const loaders = disks.map((d) => findDiskBootLoader(bytesDiskSource(d)));
          const first = loaders[imageOf(cfg, 0)];
          if (first === undefined) throw new Error('no disk');
          let ours;
          try {
            ours = await predict({
              code: readFileSync(fw.code), vars: readFileSync(fw.vars), machine, tpmInterface: cfg.tpmInterface ?? 'tis', backend,
              disk: first, diskInterface: cfg.disks[0] ?? 'virtio',
              moreDisks: cfg.disks.slice(1).map((iface, i) => ({ loader: loaders[imageOf(cfg, i + 1)] ?? first, diskInterface: iface })),
            });
          } finally {
            await backend.close();
          }
          const log = ours.boot.eventLog;
          const prefix = r.eventLog.subarray(0, log.length);
          const d = diffEventLogs(decodeEventLog(log), decodeEventLog(prefix));
          expect(d.divergence?.explanation ?? 'equal').to.equal('equal');
          expect(toHex(log)).to.equal(toHex(prefix));
          const events = decodeEventLog(log).events;
          const [gpt, image] = events.slice(-2);
          expect(gpt?.eventType).to.equal(EV.EFI_GPT_EVENT);
          expect(image?.pcrIndex).to.equal(4);
          expect(image?.eventType).to.equal(EV.EFI_BOOT_SERVICES_APPLICATION);
          expect(ours.boot.endState).to.match(/^started Boot000[12]/);
          // PCR 0-7 of the real prefix's replay = our TPM's PCRs (ours.mismatches: our log's replay = our TPM).
          const replay = replayEventLog(decodeEventLog(prefix));
          expect(replay.banks.size).to.equal(cfg.banks?.length ?? 4);
          for (const [alg, m] of replay.banks) {
            const bank = hashAlgInfo(alg).name;
            const mine = ours.replay.banks.get(alg);
            for (let i = 0; i <= 7; i++) expect(toHex(mine?.get(i) ?? new Uint8Array()), `${bank} PCR${i}`).to.equal(toHex(m.get(i) ?? new Uint8Array()));
          }
          expect(ours.mismatches).to.deep.equal([]);
        });
      }

      it('registers BootOrder and every Boot#### as the firmware wrote them', () => {
        const after = capture().varsAfter;
        if (after === undefined) throw new Error('no variable store after the boot');
        const options = defaultOvmfBootOptions(machine, DXEFV, { disks: cfg.disks });
        expect(toHex(getVariable(after, 'BootOrder', EFI_GLOBAL_VARIABLE)?.data ?? new Uint8Array())).to.equal(toHex(encodeBootOrder(options.map((o) => o.number))));
        for (const o of options) {
          const name = `Boot${o.number.toString(16).toUpperCase().padStart(4, '0')}`;
          expect(toHex(getVariable(after, name, EFI_GLOBAL_VARIABLE)?.data ?? new Uint8Array()), name).to.equal(toHex(encodeBootOption(o)));
        }
      });
    });
  }
});
