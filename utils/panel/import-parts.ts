/**
 * Chrome refuses a runtime message over 64 MiB, and a seed history with its images inline as data URLs
 * reaches that at about 10,000 jobs. An import is therefore sent in parts well under it.
 */
export const IMPORT_PART_CHARS = 8 * 1024 * 1024;

function jobListOf(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object' && Array.isArray((value as { jobs?: unknown }).jobs))
    return (value as { jobs: unknown[] }).jobs;
  return null;
}

/**
 * The text of an import file as one or more texts, each a whole import on its own (`{"jobs":[...]}`) of at
 * most `maxChars` unless one job alone is larger. A text that is short enough, or not a job list at all,
 * is passed on whole: the background says what is wrong with it.
 */
export function importParts(text: string, maxChars = IMPORT_PART_CHARS): string[] {
  if (text.length <= maxChars) return [text];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [text];
  }
  const jobs = jobListOf(value);
  if (!jobs) return [text];
  const parts: string[] = [];
  let part: string[] = [];
  let size = 0;
  const flush = () => {
    if (part.length > 0) parts.push(`{"jobs":[${part.join(',')}]}`);
    part = [];
    size = 0;
  };
  for (const job of jobs) {
    const json = JSON.stringify(job) ?? 'null';
    if (size + json.length + 12 > maxChars) flush();
    part.push(json);
    size += json.length + 1;
  }
  flush();
  return parts.length > 0 ? parts : [text];
}
