/**
 * The example a package README opens with: the first ```ts block of its "## Example" section,
 * and the ```text block right after it (what the example prints), when there is one.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform } from 'esbuild';

/** A README's opening example. */
export interface ReadmeExample {
  /** The TypeScript source, as in the README. */
  readonly code: string;
  /** The printed output the README shows after the example, trimmed; undefined when it shows none. */
  readonly output: string | undefined;
  /** The README's first second-level heading (the example's section). */
  readonly section: string;
}

/** Why a README has no usable opening example. */
export class ReadmeExampleError extends Error {
  override readonly name = 'ReadmeExampleError';
}

/**
 * The opening example of a README: its first `## ` section must be `## Example` and hold a
 * ```ts block; a ```text block right after that block is the expected output.
 */
export function readmeExample(readme: string, file: string): ReadmeExample {
  const first = readme.split(/^(?=## )/m).find((s) => s.startsWith('## '));
  if (first === undefined) throw new ReadmeExampleError(`${file}: no "## " section`);
  const section = first.slice(3, first.indexOf('\n')).trim();
  if (section !== 'Example') throw new ReadmeExampleError(`${file}: the first section is "${section}", not "Example"`);
  return exampleIn(first, file, section);
}

/** The first ```ts block of the README section titled `title` (and its output block). */
export function sectionExample(readme: string, file: string, title: string): ReadmeExample {
  const s = readme.split(/^(?=## )/m).find((x) => x.startsWith(`## ${title}\n`));
  if (s === undefined) throw new ReadmeExampleError(`${file}: no "## ${title}" section`);
  return exampleIn(s, file, title);
}

function exampleIn(text: string, file: string, section: string): ReadmeExample {
  const m = /^```ts\n([\s\S]*?)^```\n(?:\s*(?:[^`\n][^\n]*\n)?\s*```text\n([\s\S]*?)^```)?/m.exec(text);
  if (m === null || m[1] === undefined) throw new ReadmeExampleError(`${file}: no \`\`\`ts block in "## ${section}"`);
  return { code: m[1], output: m[2]?.trim(), section };
}

/** What running an example gave. */
export interface ExampleRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs TypeScript `code` as a user would: types stripped by esbuild, written under the repo's
 * node_modules/.cache (so `@tcg2sim/*` imports resolve to the workspace packages) and run by a
 * fresh `node`.
 */
export async function runExample(code: string, repoRoot: string, name: string, timeoutMs = 60_000): Promise<ExampleRun> {
  const js = await transform(code, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: `${name}.ts` });
  const dir = join(repoRoot, 'node_modules', '.cache', 'tcg2sim-readme-examples');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${process.pid}.mjs`);
  writeFileSync(file, js.code);
  try {
    return await new Promise<ExampleRun>((resolve) => {
      execFile(process.execPath, [file], { cwd: repoRoot, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ status, stdout, stderr });
      });
    });
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Type-checks examples as a user's strict TypeScript project would (the repo's own compiler
 * options, tsconfig.base.json), each an .mts module under the repo's node_modules/.cache.
 * Returns the diagnostics, formatted with the example's name and line.
 */
export async function typeCheckExamples(examples: ReadonlyMap<string, string>, repoRoot: string): Promise<string[]> {
  const ts = (await import('typescript')).default;
  const base = ts.readConfigFile(join(repoRoot, 'tsconfig.base.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.convertCompilerOptionsFromJson((base.config as { compilerOptions?: unknown }).compilerOptions ?? {}, repoRoot);
  const dir = join(repoRoot, 'node_modules', '.cache', 'tcg2sim-readme-examples', `typecheck-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const files = [...examples].map(([name, code]) => {
      const file = join(dir, `${name}.mts`);
      writeFileSync(file, code);
      return file;
    });
    const program = ts.createProgram(files, { ...options, noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file === undefined || d.start === undefined ? '' : `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: `;
      return `${where}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
