import { expect } from 'chai';
import { isArmVirtImage } from '@tcg2sim/platform-armvirt';

describe('platform-armvirt: image detection', function () {
  it('an empty or short buffer is not an ArmVirtQemu image', function () {
    expect(isArmVirtImage(new Uint8Array(0))).to.equal(false);
    expect(isArmVirtImage(new Uint8Array(0x2000))).to.equal(false);
  });
});
