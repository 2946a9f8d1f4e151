import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_HTML_FIELDS,
  escapeHtml,
  escapeSeedJobForDashboard,
  unescapeHtml,
  unescapeSeedJobFromDashboard,
} from './dashboard-escape';

const PNG_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Job-shaped records with hostile strings where the dashboard renders, and anything elsewhere. */
const hostile = fc.oneof(
  fc.string(),
  fc.constantFrom('<img src=x onerror=alert(1)>', '" onerror="alert(1)', '&lt;b&gt;', '&amp;amp;', "it's", '&#39;'),
);
const jobArb = fc.record(
  {
    id: hostile,
    status: hostile,
    prompt: hostile,
    width: fc.oneof(fc.integer(), hostile),
    height: fc.oneof(fc.integer(), hostile),
    error: fc.option(hostile),
    seed: fc.option(fc.integer()),
    result: fc.oneof(
      fc.constant(null),
      hostile,
      fc.record({ image_data_url: hostile, prompt: fc.string(), seed: fc.integer() }, { requiredKeys: [] }),
    ),
    extra: fc.jsonValue(),
  },
  { requiredKeys: ['id', 'prompt'] },
);

describe('escapeHtml / unescapeHtml', () => {
  it('turns the five markup characters into entities and back', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(unescapeHtml('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;')).toBe(`<a href="x">'&'</a>`);
  });

  it('round-trips every string exactly, entities already in it included', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => unescapeHtml(escapeHtml(s)) === s));
  });
});

describe('escapeSeedJobForDashboard', () => {
  it('escapes the fields the old dashboard puts into innerHTML, and only those', () => {
    const job = {
      id: 'job-1',
      status: 'success',
      prompt: '<img src=x onerror=alert(1)> knight & "squire"',
      width: 64,
      height: 64,
      error: 'Field "size" <bad>',
      result: { image_data_url: PNG_URL, prompt: '<b>kept</b>' },
      notes: '<i>not rendered</i>',
    };
    expect(escapeSeedJobForDashboard(job)).toEqual({
      ...job,
      prompt: '&lt;img src=x onerror=alert(1)&gt; knight &amp; &quot;squire&quot;',
      result: { image_data_url: PNG_URL, prompt: '<b>kept</b>' },
    });
    // A result given as a plain data-URL string (the old format) is escaped too; a real one has nothing to escape.
    expect(escapeSeedJobForDashboard({ id: 'j', result: '" onerror="x' }).result).toBe('&quot; onerror=&quot;x');
    expect(escapeSeedJobForDashboard({ id: 'j', result: PNG_URL }).result).toBe(PNG_URL);
  });

  it('leaves no markup character in any rendered field, and does not touch its input', () => {
    fc.assert(
      fc.property(jobArb, (job) => {
        const before = structuredClone(job);
        const escaped = escapeSeedJobForDashboard(job);
        expect(job).toEqual(before);
        const rendered: unknown[] = DASHBOARD_HTML_FIELDS.map((f) => escaped[f]);
        const result = escaped.result as { image_data_url?: unknown } | null;
        if (result && typeof result === 'object') rendered.push(result.image_data_url);
        for (const value of rendered) if (typeof value === 'string') expect(value).not.toMatch(/[<>"']/);
      }),
    );
  });

  it('round-trips: what the dashboard saves back unchanged is exactly what it was sent', () => {
    fc.assert(
      fc.property(jobArb, (job) => {
        const saved = JSON.parse(JSON.stringify(escapeSeedJobForDashboard(job)));
        expect(unescapeSeedJobFromDashboard(saved)).toEqual(JSON.parse(JSON.stringify(job)));
      }),
    );
  });
});
