/**
 * `tcg2sim profile IMAGE [--json]`: what of an OVMF build decides its measurements, read from the
 * image, and what the simulation models for it instead.
 */
import type { Command } from 'commander';
import { Tcg2Error } from '@tcg2sim/binary-codec';
import type { FirmwareProfile } from '@tcg2sim/platform-ovmf';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { UsageError } from '../errors.ts';
import { readInput } from '../files.ts';

const JSON_HELP = `
JSON (--json): {image, imageSize, imageSha256, peiArch, dxeArch (IA32|X64|AARCH64|…, the
  architecture most of the volume's images are built for),
  volumes: [{name (PEIFV|DXEFV; ArmVirtQemu: FVMAIN_COMPACT|FVMAIN), base, length (hex), digests: {sha1, sha256, sha384, sha512} (of the
    pristine volume: PEIFV before PlatformPei's writes), modules: [{guid, name, type, arch}]}],
  features: {tpm2, tpm2Dxe, tpm12, smm, secureBootConfig, shell, network, acpiDataMeasured,
    smbiosMeasured: {present, evidence}},
  peiFvWrites: {found, offsets: {mPlatformInfoHob, mQemuFwCfgSupported, mQemuFwCfgDmaSupported}
    (hex offsets in PEIFV), notes: [text]},
  shell: {digests: {sha1, sha256, sha384, sha512}} | null (the Shell's Authenticode digests),
  modelled: [text] (what predict models for this build rather than reads from it; lines starting
    "NOT MODELLED" are measurements predictions of this build miss),
  dispatch: [{phase (PEI|DXE), module, fileGuid, role, dispatched, evidence}] (OVMF images: the
    simulated modules in dispatch order and whether each runs for this image; docs/architecture.md)}

Exit status: 0 when the image was profiled; 2 for a file that is not an OVMF image SEC's model can
decompress.
`;

function text(path: string, p: FirmwareProfile): string {
  const lines: string[] = [];
  lines.push(`${path}: ${p.imageSize} bytes, sha256 ${p.imageSha256}`);
  lines.push(`  PEI ${p.peiArch ?? 'unknown'}, DXE ${p.dxeArch ?? 'unknown'}`);
  for (const v of p.volumes) {
    lines.push(`  ${v.name} at ${v.base}, ${v.length} bytes, ${v.modules.length} modules; sha256 ${v.digests['sha256'] ?? ''}`);
  }
  lines.push('  features:');
  for (const [k, f] of Object.entries(p.features)) lines.push(`    ${k.padEnd(17)} ${f.present ? 'yes' : 'no '}  ${f.evidence}`);
  if (p.peiFvWrites.found) {
    lines.push(`  PlatformPei writes into PEIFV before it is measured: ${Object.entries(p.peiFvWrites.offsets).map(([k, o]) => `${k} at ${o}`).join(', ')}`);
  } else {
    lines.push('  PlatformPei writes into PEIFV: not found');
  }
  for (const n of p.peiFvWrites.notes) lines.push(`    ${n}`);
  lines.push(p.shell === undefined ? '  UEFI Shell: none' : `  UEFI Shell Authenticode sha256 ${p.shell.digests['sha256'] ?? ''}`);
  lines.push('  modelled, not read from the image:');
  for (const m of p.modelled) lines.push(`    - ${m}`);
  if (p.dispatch !== undefined) {
    lines.push('  simulated modules (predict dispatches those this image holds, in this order):');
    for (const d of p.dispatch) lines.push(`    ${d.phase} ${d.module.padEnd(22)} ${d.dispatched ? 'runs   ' : 'skipped'}  ${d.evidence}`);
  }
  return lines.join('\n') + '\n';
}

/** `tcg2sim profile`. */
export function registerProfile(program: Command, io: CliIo, _setStatus: SetStatus): void {
  program
    .command('profile')
    .argument('<image>', 'OVMF_CODE*.fd, a combined OVMF.fd, or ArmVirtQemu\'s AAVMF_CODE.fd')
    .description('the measurement-relevant facts of an OVMF build: volumes and digests, modules, features, PlatformPei\'s PEIFV writes, the Shell, what is modelled')
    .option('--json', 'JSON output (fields below)')
    .addHelpText('after', JSON_HELP)
    .action(async (path: string, o: { json?: boolean }) => {
      const image = readInput(path, '');
      const [{ profileImage }, { isArmVirtImage, profileArmVirt }] = await Promise.all([import('@tcg2sim/platform-ovmf'), import('@tcg2sim/platform-armvirt')]);
      let p: FirmwareProfile;
      try {
        p = isArmVirtImage(image) ? profileArmVirt(image) : profileImage(image);
      } catch (e) {
        if (e instanceof Tcg2Error) throw new UsageError(`${path}: not an OVMF image this tool can read: ${e.message}`, { cause: e });
        throw e;
      }
      if (o.json === true) io.out(JSON.stringify({ image: path, ...p, shell: p.shell ?? null }, null, 2) + '\n');
      else io.out(text(path, p));
    });
}
