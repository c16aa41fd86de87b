/**
 * Whether a build registers DxeTpm2MeasureBootLib's image handler. It is a NULL library of
 * SecurityStubDxe (MdeModulePkg/Universal/SecurityStubDxe): edk2-stable202211's OVMF links it
 * only with SECURE_BOOT_ENABLE (beside DxeImageVerificationLib), later OvmfPkg .dsc files with
 * TPM2_ENABLE alone (OvmfPkg/Include/Dsc/OvmfTpmSecurityStub.dsc.inc), so e.g. Debian trixie's
 * plain OVMF_CODE_4M.fd measures the Shell without Secure Boot. The library is the only part of
 * SecurityStubDxe that refers to EFI_TCG2_PROTOCOL: its GUID in the image is the evidence.
 */
import { guidFromString } from '@tcg2sim/binary-codec';
import { EFI_SECTION, findFileByGuid } from '@tcg2sim/uefi';
import type { SecOutput } from '../sec.ts';

/** SecurityStubDxe's FILE_GUID (MdeModulePkg/Universal/SecurityStubDxe/SecurityStubDxe.inf). */
export const SECURITY_STUB_DXE_FILE_GUID = 'F80697E9-7FD6-4665-8646-88E33EF71DFC';
/** gEfiTcg2ProtocolGuid. */
export const EFI_TCG2_PROTOCOL_GUID = '607F766C-7455-42BE-930B-E4D76DB2720F';

/** True when SecurityStubDxe's image holds EFI_TCG2_PROTOCOL's GUID. */
export function hasTpm2MeasureBootLib(sec: SecOutput): boolean {
  const f = findFileByGuid(sec.dxeFv.volume, SECURITY_STUB_DXE_FILE_GUID);
  const img = f?.sections?.find((s) => s.type === EFI_SECTION.PE32)?.body;
  return img !== undefined && Buffer.from(img).includes(Buffer.from(guidFromString(EFI_TCG2_PROTOCOL_GUID)));
}
