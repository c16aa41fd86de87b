import { expect } from 'chai';
import { READY_TO_BOOT_WITHOUT_OPTION_FROM, NO_EMPTY_REMOVABLE_OPTION_FROM, snapshotMonthOf, snapshotPredates } from '@tcg2sim/platform-ovmf';
import type { FirmwareVersionString } from '@tcg2sim/platform-ovmf';

// A snapshot build's date bounds its code from above: Fedora 38's edk2 (master of 2023-03-01)
// booted for real without ReadyToBoot before platform recovery (edk2-stable202402's change) and
// with the empty-DVD option (202305's): platform-ovmf/test/vectors/distro-202302.

const v = (value: string): FirmwareVersionString => ({ value, source: 'image', certain: true, evidence: 'test' });

describe('release bounds from a snapshot version string', () => {
  it("reads Fedora's edk2-YYYYMMDDgit<hash> as the snapshot's month, nothing else", () => {
    expect(snapshotMonthOf(v('edk2-20230301gitf80f052277c8-1.fc38'))).to.equal(202303);
    expect(snapshotMonthOf(v('edk2-20240524-2.fc41'))).to.equal(undefined); // no git hash: a release build's date
    expect(snapshotMonthOf(v('2025.02-8+deb13u1'))).to.equal(undefined);
    expect(snapshotMonthOf(v('edk2-20231301gitabcdef1'))).to.equal(undefined);
    expect(snapshotMonthOf(v(''))).to.equal(undefined);
  });

  it('a snapshot decides only a behaviour released at least two tags after it', () => {
    // 202402's change landed after edk2-stable202311: a 2023-03 snapshot cannot have it, a 2023-11 one may
    expect(snapshotPredates(202303, READY_TO_BOOT_WITHOUT_OPTION_FROM)).to.equal(true);
    expect(snapshotPredates(202310, READY_TO_BOOT_WITHOUT_OPTION_FROM)).to.equal(true);
    expect(snapshotPredates(202311, READY_TO_BOOT_WITHOUT_OPTION_FROM)).to.equal(false);
    expect(snapshotPredates(202401, READY_TO_BOOT_WITHOUT_OPTION_FROM)).to.equal(false);
    // 202305's landed after edk2-stable202302: a 2023-03 snapshot may have it (the code decides)
    expect(snapshotPredates(202303, NO_EMPTY_REMOVABLE_OPTION_FROM)).to.equal(false);
    expect(snapshotPredates(202301, NO_EMPTY_REMOVABLE_OPTION_FROM)).to.equal(true);
    expect(snapshotPredates(202410, 202502)).to.equal(true);
    expect(snapshotPredates(202411, 202502)).to.equal(false);
  });
});
