/**
 * Every package README opens with an example that runs: its first ```ts block (in "## Example")
 * is run with node as a user would run it (imports from '@tcg2sim/<pkg>'), must exit 0, and
 * must print exactly the ```text block the README shows after it.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { readmeExample, runExample, sectionExample, typeCheckExamples, ReadmeExampleError } from './readme-example.ts';

/** The repository root (this file runs from packages/test-support/dist/test/). */
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((p) => existsSync(join(ROOT, 'packages', p, 'package.json'))).sort();

describe('package README examples', function () {
  this.timeout(60_000);

  it('every package has a README (15 packages)', () => {
    expect(PACKAGES.length).to.be.at.least(15);
    for (const p of PACKAGES) expect(existsSync(join(ROOT, 'packages', p, 'README.md')), p).to.equal(true);
  });

  for (const pkg of PACKAGES) {
    it(`@tcg2sim/${pkg}: the README's opening example runs and prints what the README shows`, async () => {
      const file = join('packages', pkg, 'README.md');
      const ex = readmeExample(readFileSync(join(ROOT, file), 'utf8'), file);
      expect(ex.code, `${file}: the example imports the package as a user would`).to.match(new RegExp(`from '@tcg2sim/${pkg}'`));
      const r = await runExample(ex.code, ROOT, pkg);
      expect(r.status, `${file}: exit status; stderr:\n${r.stderr}`).to.equal(0);
      if (ex.output !== undefined) expect(r.stdout.trim(), `${file}: printed output`).to.equal(ex.output);
    });
  }

  it('the root README\'s "Use as a library" example runs', async () => {
    const ex = sectionExample(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md', 'Use as a library');
    const r = await runExample(ex.code, ROOT, 'root-readme');
    expect(r.status, `README.md: exit status; stderr:\n${r.stderr}`).to.equal(0);
  });

  it('every example type-checks under the repo\'s strict compiler options (as a user\'s .mts module)', async function () {
    this.timeout(120_000); // one program over every package's declarations
    const examples = new Map(PACKAGES.map((p) => {
      const file = join('packages', p, 'README.md');
      return [p, readmeExample(readFileSync(join(ROOT, file), 'utf8'), file).code] as const;
    }));
    examples.set('root-readme', sectionExample(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'README.md', 'Use as a library').code);
    expect(await typeCheckExamples(examples, ROOT)).to.deep.equal([]);
  });

  describe('the runner', () => {
    it('fails an example that throws, and one that prints something other than the README shows', async () => {
      const bad = await runExample("import { fromHex } from '@tcg2sim/binary-codec';\nfromHex('zz');\n", ROOT, 'self-test-throw');
      expect(bad.status).to.not.equal(0);
      expect(bad.stderr).to.match(/Error/);
      const ok = await runExample("import { toHex } from '@tcg2sim/binary-codec';\nconsole.log(toHex(Uint8Array.of(1, 2)));\n", ROOT, 'self-test-print');
      expect(ok.status).to.equal(0);
      expect(ok.stdout.trim()).to.equal('0102');
    });

    it('reports a type error in an example', async () => {
      const errors = await typeCheckExamples(new Map([['self-test-types', "import { toHex } from '@tcg2sim/binary-codec';\nconsole.log(toHex('not bytes'));\n"]]), ROOT);
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^self-test-types\.mts:2: Argument of type 'string'/);
    });

    it('finds the example and its output block, and refuses a README whose first section is not "## Example"', () => {
      const readme = '# x\n\nIntro.\n\n## Example\n\n```ts\nconsole.log(1);\n```\n\nprints\n\n```text\n1\n```\n\n## More\n';
      expect(readmeExample(readme, 'R.md')).to.deep.equal({ code: 'console.log(1);\n', output: '1', section: 'Example' });
      expect(readmeExample(readme.replace(/prints[\s\S]*?```\n\n## More/, '## More'), 'R.md').output).to.equal(undefined);
      expect(() => readmeExample('# x\n\n## Use\n\n```ts\n1\n```\n', 'R.md')).to.throw(ReadmeExampleError, 'not "Example"');
      expect(() => readmeExample('# x\n\n## Example\n\ntext only\n', 'R.md')).to.throw(ReadmeExampleError, 'no ```ts block');
    });
  });
});
