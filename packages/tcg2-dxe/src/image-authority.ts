import { equalBytes } from '@tcg2sim/binary-codec';
import { EV } from '@tcg2sim/event-log';
import type { AuthorityMatch } from '@tcg2sim/uefi';
import { EFI_IMAGE_SECURITY_DATABASE, measureVariable } from './measurements.ts';
import type { EfiStatus } from './efi-status.ts';
import type { Tcg2Dxe } from './tcg2-dxe.ts';

/** What {@link SecureBootAuthorityMeasurement.measure} did with one SecureBootHook call. */
export interface AuthorityMeasurement {
  readonly authority: AuthorityMatch;
  /** `measured`: logged now; `already-measured`: IsDataMeasured (same name, GUID and data). */
  readonly outcome: 'measured' | 'already-measured' | 'failed';
  readonly status: EfiStatus | undefined;
}

/**
 * DxeImageVerificationLib's Measurement.c (edk2-stable202211): SecureBootHook measures the db
 * entry that authorised an image as PCR7 EV_EFI_VARIABLE_AUTHORITY, UEFI_VARIABLE_DATA
 * {gEfiImageSecurityDatabaseGuid, "db", the whole EFI_SIGNATURE_DATA}, digest over the whole
 * UEFI_VARIABLE_DATA (TpmMeasureAndLogData, HashLogExtendEvent flags 0), once per boot: an entry
 * is remembered only after a successful measurement (AddDataMeasured), so a failed one is
 * measured again next time. One instance is one boot's mMeasuredAuthorityList.
 */
export class SecureBootAuthorityMeasurement {
  readonly #measured: { readonly name: string; readonly guid: string; readonly data: Uint8Array }[] = [];

  /** The entries measured so far in this boot, in order. */
  get measured(): readonly { readonly name: string; readonly guid: string; readonly data: Uint8Array }[] {
    return this.#measured;
  }

  /** SecureBootHook for each authority, in order. */
  async measure(dxe: Tcg2Dxe, authorities: readonly AuthorityMatch[]): Promise<AuthorityMeasurement[]> {
    const out: AuthorityMeasurement[] = [];
    for (const a of authorities) {
      // IsSecureAuthorityVariable: only db (the name is typed so) of gEfiImageSecurityDatabaseGuid.
      if (a.vendorGuid.toUpperCase() !== EFI_IMAGE_SECURITY_DATABASE) continue;
      if (this.#measured.some((m) => m.name === a.variableName && m.guid === a.vendorGuid.toUpperCase() && equalBytes(m.data, a.signatureData))) {
        out.push({ authority: a, outcome: 'already-measured', status: undefined });
        continue;
      }
      // DxeTpmMeasurementLib: without a TPM (no Tcg2 protocol) nothing is logged or remembered.
      const st = dxe.tpmPresent
        ? await measureVariable(dxe, 7, EV.EFI_VARIABLE_AUTHORITY, a.variableName, EFI_IMAGE_SECURITY_DATABASE, a.signatureData)
        : 'EFI_UNSUPPORTED';
      if (st === 'EFI_SUCCESS') this.#measured.push({ name: a.variableName, guid: EFI_IMAGE_SECURITY_DATABASE, data: a.signatureData.slice() });
      out.push({ authority: a, outcome: st === 'EFI_SUCCESS' ? 'measured' : 'failed', status: st });
    }
    return out;
  }
}
