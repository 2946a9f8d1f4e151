/**
 * The one way an untrusted string (a path, an Origin, a client name) reaches the console: control and
 * format characters (newlines, terminal escapes, C1 controls, bidi overrides) are dropped, so it cannot
 * start a forged line or rewrite the terminal, and double quotes become single ones, so it cannot close
 * the quotes it is printed in.
 */
export function printable(text: string, maxChars = 200, empty = '(empty)'): string {
  const clean = text
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/"/g, "'")
    .trim();
  if (clean === '') return empty;
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}…` : clean;
}
