/**
 * The old dashboard (dashboards/js/ui.js of the old repo) builds each job's box with innerHTML:
 * `renderJob` puts `id`, `status`, `prompt`, `width` and `height` into markup, and `updateJobUI` puts a
 * success job's `result` (a data URL string, or `result.image_data_url`) into an `<img src="...">`. A
 * prompt from a teammate or a sync file must never run as script there, so answers to that page carry
 * those fields HTML-escaped, and its saves are un-escaped back, exactly.
 *
 * Not escaped: `error` (ui.js shows it with textContent, so entities would show as text) and fields the
 * dashboard never renders. Pure: no Node or browser API.
 */

/** Top-level job fields the old dashboard writes into innerHTML. */
export const DASHBOARD_HTML_FIELDS = ['id', 'status', 'prompt', 'width', 'height', 'result'] as const;
/** Fields of an object `result` that it writes into innerHTML. */
export const DASHBOARD_RESULT_HTML_FIELDS = ['image_data_url'] as const;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const UNESCAPES: Record<string, string> = Object.fromEntries(Object.entries(ESCAPES).map(([c, e]) => [e, c]));

/** `& < > " '` as entities: safe in element text and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The exact inverse of escapeHtml: only its five entities, in one pass. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => UNESCAPES[e]!);
}

function mapFields(job: Record<string, unknown>, map: (text: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...job };
  for (const field of DASHBOARD_HTML_FIELDS) {
    const value = out[field];
    if (typeof value === 'string') out[field] = map(value);
  }
  const result = out.result;
  if (result !== null && typeof result === 'object' && !Array.isArray(result)) {
    const copy: Record<string, unknown> = { ...(result as Record<string, unknown>) };
    for (const field of DASHBOARD_RESULT_HTML_FIELDS) {
      const value = copy[field];
      if (typeof value === 'string') copy[field] = map(value);
    }
    out.result = copy;
  }
  return out;
}

/** A seed-format job as sent to the served old dashboard: its rendered text fields HTML-escaped. Never mutates `job`. */
export function escapeSeedJobForDashboard(job: Record<string, unknown>): Record<string, unknown> {
  return mapFields(job, escapeHtml);
}

/** A job saved by the served old dashboard, with the escaping of escapeSeedJobForDashboard reversed. Never mutates `job`. */
export function unescapeSeedJobFromDashboard(job: Record<string, unknown>): Record<string, unknown> {
  return mapFields(job, unescapeHtml);
}
