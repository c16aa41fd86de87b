/**
 * `tcg2sim pe FILE [--vars STORE] [--origin O] [--json]`: what OVMF measures for an EFI binary and,
 * with a variable store, whether Secure Boot lets it load and which PCR7 authority event it logs.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DecodeError } from '@tcg2sim/binary-codec';
import { SecureBootError } from '@tcg2sim/uefi';
import type { CliIo } from '../context.ts';
import type { SetStatus } from './index.ts';
import { EXIT, UsageError } from '../errors.ts';
import { inVarStoreFile } from './varstore-input.ts';
import { analyseImage } from './pe-image.ts';
import type { PeImageReport } from './pe-image.ts';
import { PE_ORIGINS, secureBootReport } from './pe-secure-boot.ts';
import type { SecureBootReport } from './pe-secure-boot.ts';

const JSON_HELP = `
JSON (--json): {file, fileSize, format ("PE32"|"PE32+"|"TE"), machine, machineName, subsystem,
  subsystemName, entryPoint (RVA), imageBase (hex string), sizeOfImage, sizeOfHeaders,
  sections: [{name, virtualAddress, virtualSize, pointerToRawData, sizeOfRawData, characteristics}],
  digests: {sha1, sha256, sha384, sha512, sm3_256} (hex Authenticode image digests, the digests of OVMF's
    image event; null for TE images, which EDK II does not measure),
  imageEvent: {pcr, eventType} | null (logged when loaded from outside the firmware volumes),
  signatures: [{index, offset, length, revision, certificateType, kind ("pkcs7"|"skipped"), certType?,
    digestAlgorithm (the hash DxeImageVerificationLib uses, or null), digestMatchesImage,
    signers: [{subject, issuer, serial}], certificates: [{subject, issuer, serial}], error?}],
  certificateTableComplete,
  secureBoot (only with --vars): {store, origin, secureBoot (0|1), secureBootReason, verified,
    decision ("allowed"|"denied"), status (EFI_SUCCESS|EFI_ACCESS_DENIED|EFI_SECURITY_VIOLATION),
    action (AUTH_UNTESTED|AUTH_SIG_FAILED|AUTH_SIG_FOUND), reason, trace: [text],
    authorities: [{variable, vendorGuid, via ("certificate"|"hash"), listIndex, entryIndex,
      signatureType, signatureTypeName, owner, subject, hash}],
    authorityEvents: [{pcr: 7, eventType: "EV_EFI_VARIABLE_AUTHORITY", eventTypeValue, data (hex
      UEFI_VARIABLE_DATA), digests: {sha1, ..., sm3_256}}] (empty: no event logged)}}

Exit status: 0 when the question is answered, also when Secure Boot denies the image; 2 for a file
that is not a PE/TE image, is truncated or that EDK II's loader refuses, or a bad variable store.
`;

function imageError(file: string, err: unknown): never {
  if (err instanceof DecodeError) {
    throw new UsageError(`${file}: ${err.path.join('.') || 'image'} at offset 0x${err.offset.toString(16)}: ${err.detail} (${err.code})`, { cause: err });
  }
  throw err;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

function imageText(r: PeImageReport): string {
  const lines: string[] = [];
  lines.push(`${r.file}: ${r.format}, machine ${hex(r.machine)}${r.machineName === null ? '' : ` (${r.machineName})`}, ` +
    `subsystem ${r.subsystem}${r.subsystemName === null ? '' : ` (${r.subsystemName})`}`);
  lines.push(`  entry point RVA ${hex(r.entryPoint)}, image base ${r.imageBase}, size of image ${hex(r.sizeOfImage)}, size of headers ${hex(r.sizeOfHeaders)}, file ${r.fileSize} bytes`);
  lines.push(`  sections (${r.sections.length}):`);
  for (const s of r.sections) {
    lines.push(`    ${s.name.padEnd(8)} RVA ${hex(s.virtualAddress)} size ${hex(s.virtualSize)}  raw ${hex(s.pointerToRawData)}+${hex(s.sizeOfRawData)}  flags ${hex(s.characteristics)}`);
  }
  if (r.digests === null) {
    lines.push('  Authenticode digests: none (EDK II does not measure TE images)');
  } else {
    const ev = r.imageEvent === null ? 'no image event (unsupported subsystem: LoadImage fails)' : `PCR${r.imageEvent.pcr} ${r.imageEvent.eventType} digests (when loaded from outside the firmware volumes)`;
    lines.push(`  Authenticode image digests = ${ev}:`);
    for (const [bank, d] of Object.entries(r.digests)) lines.push(`    ${bank.padEnd(7)} ${d}`);
  }
  if (r.signatures.length === 0) lines.push('  signatures: none (unsigned)');
  else lines.push(`  signatures (${r.signatures.length})${r.certificateTableComplete ? '' : ', certificate table CORRUPT (its walk does not end at the Security directory end)'}:`);
  for (const s of r.signatures) {
    const t = s.certType === undefined ? '' : ` ${s.certType}`;
    lines.push(`    #${s.index} at ${hex(s.offset)}, ${s.length} bytes, WIN_CERTIFICATE type ${hex(s.certificateType)}${t}: ${s.kind === 'pkcs7' ? 'Authenticode' : 'skipped by EDK II'}`);
    if (s.kind !== 'pkcs7') continue;
    lines.push(`      digest ${s.digestAlgorithm ?? 'unsupported'}${s.digestMatchesImage === true ? ' (matches the image)' : ' (does NOT match the image)'}`);
    if (s.error !== undefined) lines.push(`      unreadable PKCS#7: ${s.error}`);
    for (const c of s.signers ?? []) lines.push(`      signer  ${c.subject}  (issuer ${c.issuer}, serial ${c.serial})`);
    for (const c of s.certificates ?? []) lines.push(`      carries ${c.subject}  (issuer ${c.issuer}, serial ${c.serial})`);
  }
  return `${lines.join('\n')}\n`;
}

function secureBootText(s: SecureBootReport, r: PeImageReport): string {
  const lines: string[] = [];
  lines.push(`Secure Boot with ${s.store} (image from ${s.origin}): SecureBoot = ${s.secureBoot} (${s.secureBootReason})`);
  lines.push(`  ${s.reason}`);
  lines.push(`  status ${s.status}${s.decision === 'denied' ? `, action ${s.action}` : ''}${s.verified ? '' : ' (not verified)'}`);
  for (const t of s.trace) lines.push(`    ${t}`);
  for (const a of s.authorities) {
    lines.push(`  authorised by db list ${a.listIndex}, entry ${a.entryIndex}: ${a.signatureTypeName ?? a.signatureType}, owner ${a.owner}` +
      `${a.subject === null ? '' : `, subject ${a.subject}`}${a.hash === null ? '' : `, hash ${a.hash}`}`);
  }
  if (s.authorityEvents.length === 0) lines.push('  EV_EFI_VARIABLE_AUTHORITY: none logged');
  for (const e of s.authorityEvents) {
    lines.push(`  PCR${e.pcr} EV_EFI_VARIABLE_AUTHORITY (first measurement of this entry in a boot):`);
    lines.push(`    data ${e.data}`);
    for (const [bank, d] of Object.entries(e.digests)) lines.push(`    ${bank.padEnd(7)} ${d}`);
  }
  if (s.origin === 'fv') {
    lines.push('  image event: from a firmware volume PEI measured, only applications are measured; from other volumes drivers too (DxeTpm2MeasureBootLib)');
  } else if (r.imageEvent !== null && r.digests !== null) {
    lines.push(s.decision === 'allowed'
      ? `  the image event follows: PCR${r.imageEvent.pcr} ${r.imageEvent.eventType} with the digests above`
      : '  no image event: LoadImage fails before the TPM measurement');
  }
  return `${lines.join('\n')}\n`;
}

/** `tcg2sim pe FILE [--vars STORE] [--origin O] [--json]`. */
export function registerPe(program: Command, io: CliIo, setStatus: SetStatus): void {
  program
    .command('pe')
    .description('an EFI binary as OVMF sees it: image facts, the Authenticode digests OVMF measures, its signatures; with --vars, the Secure Boot decision and the PCR7 authority event')
    .argument('<file>', 'EFI image (PE32, PE32+ or TE)')
    .option('--vars <store>', 'OVMF variable store (OVMF_VARS*.fd) to decide Secure Boot with (db, dbx, PK, SecureBootEnable)')
    .option('--origin <origin>', `where LoadImage reads the image from: ${PE_ORIGINS.join('|')} (OVMF verifies removable and fixed media)`, 'fixed-media')
    .option('--json', 'JSON output (fields below)')
    .addHelpText('after', JSON_HELP)
    .action((file: string, opts: { vars?: string; origin: string; json?: boolean }) => {
      const origin = PE_ORIGINS.find((o) => o === opts.origin);
      if (origin === undefined) throw new UsageError(`--origin: one of ${PE_ORIGINS.join(', ')}, not ${JSON.stringify(opts.origin)}`);
      const data = new Uint8Array(readFileSync(file));
      let report: PeImageReport;
      try {
        report = analyseImage(file, data).report;
      } catch (err) {
        imageError(file, err);
      }
      let sb: SecureBootReport | undefined;
      if (opts.vars !== undefined) {
        const storeFile = opts.vars;
        const store = new Uint8Array(readFileSync(storeFile));
        try {
          sb = inVarStoreFile(storeFile, () => secureBootReport(storeFile, store, data, origin));
        } catch (err) {
          // A dbx certificate hash with a revocation time and a dbt: EDK II's answer is not modelled.
          if (err instanceof SecureBootError) throw new UsageError(`${file} with ${storeFile}: Secure Boot decision not predictable: ${err.message} (${err.code})`, { cause: err });
          throw err;
        }
      }
      if (opts.json === true) {
        io.out(`${JSON.stringify(sb === undefined ? report : { ...report, secureBoot: sb }, null, 2)}\n`);
      } else {
        io.out(imageText(report));
        if (sb !== undefined) io.out(secureBootText(sb, report));
      }
      setStatus(EXIT.OK);
    });
}
