/**
 * .gitignore's patterns as the globs WXT's `zip.excludeSources` takes, so the sources zip for
 * addons.mozilla.org leaves out exactly what git leaves out (the companion's data/, .env, test results).
 * A `!` line (put back a file) is dropped: leaving out more is the safe side.
 */
export function gitignoreGlobs(text: string): string[] {
  const globs: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const dirOnly = line.endsWith('/');
    const body = line.replace(/^\//, '').replace(/\/$/, '');
    // A pattern with no inner slash matches at any depth; one with a slash is anchored at the root.
    const anchored = line.startsWith('/') || body.includes('/');
    const glob = anchored ? body : `**/${body}`;
    if (!dirOnly) globs.push(glob);
    globs.push(`${glob}/**`);
  }
  return globs;
}
