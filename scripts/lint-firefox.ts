/**
 * `npm run lint:firefox`: `web-ext lint` (Mozilla's addons-linter, as addons.mozilla.org runs it) on the
 * Firefox build. It must report 0 errors, 0 warnings and 0 notices.
 *
 * One file is set aside, Preact (chunks/preact-*.js, a chunk of its own: wxt.config.ts). Preact's diff does
 * `dom.innerHTML = props.dangerouslySetInnerHTML.__html`, which the linter flags (UNSAFE_VAR_ASSIGNMENT).
 * That line runs only for an element given a `dangerouslySetInnerHTML` prop, and nothing here gives one:
 * Biome's security/noDangerouslySetInnerHtml refuses it in the source, and this script checks that no
 * other built file names the prop. So the build is linted without Preact (0 findings), and Preact alone,
 * where exactly that one finding is allowed. Anything else in either run fails.
 *
 * Usage: node --import tsx scripts/lint-firefox.ts [build dir, default .output/firefox-mv2]
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInstance } from 'addons-linter';
import webExt from 'web-ext';

/** Set aside in the main run: Preact's own code, linted on its own. */
export const PREACT_CHUNK = 'chunks/preact-*.js';
/** The one finding allowed in Preact: its dangerouslySetInnerHTML assignment (`e.innerHTML=f.__html`). */
const PREACT_INNER_HTML = /[\w$]+\.innerHTML\s*=\s*[\w$]+\.__html\b/g;

export interface LintMessage {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface LintReport {
  summary: { errors: number; warnings: number; notices: number };
  messages: LintMessage[];
}

export interface FirefoxLintResult {
  /** The build without Preact: must be empty. */
  build: LintReport;
  /** Preact alone: must be exactly its innerHTML assignment. */
  preact: LintReport;
  /** Built files other than Preact that name `dangerouslySetInnerHTML`: must be none. */
  dangerousPropFiles: string[];
  /** Everything wrong, in plain words; empty when the build is clean. */
  problems: string[];
}

/** `web-ext lint` on `sourceDir` through its own API, quietly (the caller prints what it wants). */
async function webExtLint(sourceDir: string, ignoreFiles: string[]): Promise<LintReport> {
  const quiet = { log: () => undefined, error: () => undefined } as unknown as Console;
  const output = (await webExt.cmd.lint(
    { sourceDir, ignoreFiles, output: 'json', boring: true, selfHosted: false, warningsAsErrors: true },
    {
      shouldExitProgram: false,
      createLinter: (options: { config: object; runAsBinary: boolean }) => {
        const linter = createInstance(options);
        return { run: () => linter.run({ _console: quiet }) };
      },
    },
  )) as { summary: LintReport['summary']; errors: LintMessage[]; warnings: LintMessage[]; notices: LintMessage[] };
  return { summary: output.summary, messages: [...output.errors, ...output.warnings, ...output.notices] };
}

/** Whether the finding at (line, column) sits inside Preact's `e.innerHTML=f.__html`; else the code there. */
function isPreactInnerHtml(text: string, line = 1, column = 0): true | string {
  const source = text.split('\n')[line - 1] ?? '';
  for (const m of source.matchAll(PREACT_INNER_HTML)) {
    if (m.index <= column && column <= m.index + m[0].length) return true;
  }
  return source.slice(Math.max(0, column - 20), column + 60);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

export async function lintFirefoxBuild(sourceDir: string): Promise<FirefoxLintResult> {
  const files = await filesUnder(sourceDir);
  const preactFiles = files.filter((f) => /^chunks\/preact-[\w-]+\.js$/.test(f));
  const problems: string[] = [];
  if (preactFiles.length !== 1)
    problems.push(`expected one ${PREACT_CHUNK} in ${sourceDir}, found ${preactFiles.length}`);

  const build = await webExtLint(sourceDir, [PREACT_CHUNK]);
  for (const m of build.messages) problems.push(`${m.code} in ${m.file ?? 'the build'}: ${m.message}`);

  // Preact on its own: the chunk and a manifest naming nothing else (the linter needs one).
  const alone = await mkdtemp(path.join(os.tmpdir(), 'pixellab-lint-preact-'));
  let preact: LintReport = { summary: { errors: 0, warnings: 0, notices: 0 }, messages: [] };
  try {
    const { name, version, browser_specific_settings } = JSON.parse(
      await readFile(path.join(sourceDir, 'manifest.json'), 'utf8'),
    );
    const manifest = { manifest_version: 2, name, version, browser_specific_settings };
    await writeFile(path.join(alone, 'manifest.json'), JSON.stringify(manifest));
    for (const f of preactFiles) await cp(path.join(sourceDir, f), path.join(alone, f), { recursive: true });
    preact = await webExtLint(alone, []);
  } finally {
    await rm(alone, { recursive: true, force: true });
  }
  const allowed = preact.messages.filter(
    (m) => m.code === 'UNSAFE_VAR_ASSIGNMENT' && preactFiles.includes(m.file ?? ''),
  );
  for (const m of preact.messages.filter((x) => !allowed.includes(x))) {
    problems.push(`${m.code} in ${m.file ?? 'Preact'}: ${m.message}`);
  }
  for (const m of allowed) {
    const found = isPreactInnerHtml(await readFile(path.join(sourceDir, m.file!), 'utf8'), m.line, m.column);
    if (found !== true) problems.push(`${m.code} in ${m.file} is not Preact's innerHTML path: ${found}`);
  }
  if (allowed.length !== 1) problems.push(`expected Preact's one innerHTML finding, found ${allowed.length}`);

  const dangerousPropFiles: string[] = [];
  for (const f of files.filter((x) => /\.(js|html)$/.test(x) && !preactFiles.includes(x))) {
    if ((await readFile(path.join(sourceDir, f), 'utf8')).includes('dangerouslySetInnerHTML'))
      dangerousPropFiles.push(f);
  }
  for (const f of dangerousPropFiles)
    problems.push(`${f} names dangerouslySetInnerHTML: Preact's innerHTML path is reachable`);
  return { build, preact, dangerousPropFiles, problems };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = path.resolve(process.argv[2] ?? '.output/firefox-mv2');
  const result = await lintFirefoxBuild(dir);
  const { errors, warnings, notices } = result.build.summary;
  console.log(`web-ext lint ${path.relative(process.cwd(), dir)} --ignore-files '${PREACT_CHUNK}'`);
  console.log(`  errors ${errors}, warnings ${warnings}, notices ${notices}`);
  console.log(
    `Preact alone: ${result.preact.messages.map((m) => `${m.code} (${m.file}:${m.line}:${m.column})`).join(', ') || 'nothing'}`,
  );
  if (result.problems.length) {
    console.error(`lint:firefox failed:\n  ${result.problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('lint:firefox: clean');
}
