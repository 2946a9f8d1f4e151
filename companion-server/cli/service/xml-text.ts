/** Text for XML content or attributes. Control characters XML 1.0 cannot carry are refused, not dropped. */
export function xmlText(value: string): string {
  // XML 1.0 allows tab, line feed and carriage return; no other C0 control.
  if (/[^\P{Cc}\t\n\r\u007f-\u009f]/u.test(value)) {
    throw new Error(`A service value holds a control character XML cannot carry: ${JSON.stringify(value)}`);
  }
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
