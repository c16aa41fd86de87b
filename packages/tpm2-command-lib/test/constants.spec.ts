import { expect } from 'chai';
import { TPM_ALG_HASH } from '@tcg2sim/hash-lib';
import {
  TPM_ALG, TPM_CC, TPM_PT, TPM_RH, TPM_RS_PW, TPMA_NV, ccName, algName, handleType, TPM_HT,
} from '@tcg2sim/tpm2-command-lib';

describe('TPM 2.0 constants', () => {
  it('gives every command code one name', () => {
    const values = Object.values(TPM_CC);
    expect(new Set(values).size).to.equal(values.length);
    expect(ccName(0x182)).to.equal('TPM_CC_PCR_Extend');
    expect(ccName(0x1234)).to.equal('TPM_CC(0x00001234)');
  });

  it('uses the command codes EDK II sends (docs/edk2-pei.md §7)', () => {
    expect([TPM_CC.Startup, TPM_CC.SelfTest, TPM_CC.GetCapability, TPM_CC.PCR_Extend, TPM_CC.PCR_Read, TPM_CC.PCR_Allocate])
      .to.deep.equal([0x144, 0x143, 0x17a, 0x182, 0x17e, 0x12b]);
  });

  it('reuses the hash registry ids for TPM_ALG hashes', () => {
    for (const [k, v] of Object.entries(TPM_ALG_HASH)) expect(TPM_ALG).to.have.property(k, v);
    expect(algName(TPM_ALG.SHA256)).to.equal('TPM_ALG_SHA256');
    expect(algName(TPM_ALG.NULL)).to.equal('TPM_ALG_NULL');
  });

  it('numbers the properties Tcg2Dxe reads as in docs/edk2-pei.md §7.4', () => {
    expect([TPM_PT.MANUFACTURER, TPM_PT.FIRMWARE_VERSION_1, TPM_PT.FIRMWARE_VERSION_2, TPM_PT.MAX_COMMAND_SIZE, TPM_PT.MAX_RESPONSE_SIZE])
      .to.deep.equal([0x105, 0x10b, 0x10c, 0x11e, 0x11f]);
  });

  it('has the platform hierarchy and password session handles', () => {
    expect(TPM_RH.PLATFORM).to.equal(0x4000000c);
    expect(TPM_RS_PW).to.equal(0x40000009);
    expect(handleType(TPM_RH.PLATFORM)).to.equal(TPM_HT.PERMANENT);
    expect(handleType(0x01c10000)).to.equal(TPM_HT.NV_INDEX);
  });

  it('puts TPMA_NV bits where Part 2 Table 233 has them', () => {
    expect(TPMA_NV.PPWRITE | TPMA_NV.PPREAD | TPMA_NV.PLATFORMCREATE | TPMA_NV.WRITTEN).to.equal(0x60010001);
    expect(TPMA_NV.READ_STCLEAR).to.equal(0x80000000);
  });
});
