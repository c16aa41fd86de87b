import { expect } from 'chai';
import { AcpiDataError, acpiDataMeasurements, loaderAllocations } from '@tcg2sim/platform-ovmf';
import { expectErrorCode } from '@tcg2sim/test-support';

/** A loader as QEMU's bios-linker-loader writes it: 128-byte commands, padded with zeros. */
function loader(commands: readonly [number, string][], pad = 4096): Uint8Array {
  const out = new Uint8Array(pad);
  const view = new DataView(out.buffer);
  commands.forEach(([cmd, name], i) => {
    view.setUint32(i * 128, cmd, true);
    out.set(Buffer.from(`${name}\0`, 'latin1'), i * 128 + 4);
  });
  return out;
}

describe('AcpiPlatformLib "ACPI DATA" measurements', () => {
  it('takes the loader, then each ALLOCATE command\'s blob in command order (other commands skipped)', () => {
    const l = loader([[1, 'etc/acpi/rsdp'], [1, 'etc/tpm/log'], [1, 'etc/acpi/tables'], [3, 'etc/acpi/tables'], [2, 'etc/acpi/rsdp']]);
    expect(loaderAllocations(l)).to.deep.equal(['etc/acpi/rsdp', 'etc/tpm/log', 'etc/acpi/tables']);
    const files = new Map([['etc/table-loader', l], ['etc/acpi/tables', new Uint8Array([1])], ['etc/acpi/rsdp', new Uint8Array([2])], ['etc/tpm/log', new Uint8Array([3])]]);
    expect(acpiDataMeasurements(files).map((m) => [m.file, m.bytes[0]])).to.deep.equal([
      ['etc/table-loader', 1], ['etc/acpi/rsdp', 2], ['etc/tpm/log', 3], ['etc/acpi/tables', 1],
    ]);
  });
  it('refuses a loader that is not whole commands, an unterminated or empty name, a missing loader or blob', () => {
    expectErrorCode(() => loaderAllocations(new Uint8Array(100)), AcpiDataError, 'BAD_LOADER');
    const unterminated = loader([]);
    new DataView(unterminated.buffer).setUint32(0, 1, true);
    unterminated.fill(0x41, 4, 60);
    expectErrorCode(() => loaderAllocations(unterminated), AcpiDataError, 'BAD_LOADER');
    expectErrorCode(() => loaderAllocations(loader([[1, '']])), AcpiDataError, 'BAD_LOADER');
    expectErrorCode(() => acpiDataMeasurements(new Map()), AcpiDataError, 'NO_LOADER');
    expectErrorCode(() => acpiDataMeasurements(new Map([['etc/table-loader', loader([[1, 'etc/x']])]])), AcpiDataError, 'MISSING_BLOB');
  });
});
