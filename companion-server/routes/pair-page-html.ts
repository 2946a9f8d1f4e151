import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { COMPANION_PAIR_COMMAND, type PairWaiting } from '../../utils/domain';

/** Seconds a page with nothing to decide waits before it looks again (a navigation, so no script is needed). */
const RECHECK_S = 5;

/**
 * The approval page (routes/pair-page.ts): every client-chosen string (name, origin) is already printable()
 * and is escaped here by hono/html; the script runs under a per-answer CSP nonce and sends decisions as JSON
 * with the page's one-time proof.
 */
export function pairPageHtml(options: {
  waiting: readonly PairWaiting[];
  csrf: string;
  nonce: string;
  now: number;
}): HtmlEscapedString | Promise<HtmlEscapedString> {
  const { waiting, csrf, nonce, now } = options;
  const items = waiting.map(
    (w) => html`<li class="request" data-approval="${w.approvalId}">
      <p><strong class="name">${w.clientName}</strong></p>
      <p class="from">asks from <code>${w.from}</code>, for ${Math.max(0, Math.ceil((w.expiresAt - now) / 1000))} s more</p>
      <p class="actions">
        <button type="button" data-decision="approve">Approve ${w.clientName}</button>
        <button type="button" data-decision="deny" class="secondary">Deny</button>
      </p>
      <p class="result" role="status"></p>
    </li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${waiting.length === 0 ? raw(`<meta http-equiv="refresh" content="${RECHECK_S}">`) : ''}
<title>Pair with the PixelLab companion</title>
<style nonce="${nonce}">
  :root { color-scheme: light dark; font: 15px/1.5 system-ui, sans-serif; }
  body { max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.3rem; }
  ul { list-style: none; padding: 0; }
  .request { border: 1px solid CanvasText; border-radius: 6px; padding: 0.25rem 1rem; margin: 1rem 0; }
  .name { font-size: 1.1rem; }
  code { overflow-wrap: anywhere; }
  button { font: inherit; padding: 0.35rem 0.9rem; margin-right: 0.5rem; cursor: pointer; }
  .result:empty { display: none; }
</style>
</head>
<body data-csrf="${csrf}">
<main>
<h1>Pair a browser with the PixelLab companion</h1>
<p>A browser extension asks to use this companion: your history, and generations paid with your PixelLab key.
Approve only if you just pressed <q>Pair with companion</q> in its side panel and the name below is the one it shows.</p>
${
  waiting.length === 0
    ? html`<p id="none">No pairing request is waiting. Press <q>Pair with companion</q> in the side panel; this page looks again every ${RECHECK_S} seconds.</p>`
    : html`<ul>${items}</ul>`
}
<p>From a terminal instead: <code>${COMPANION_PAIR_COMMAND}</code>.</p>
</main>
<script nonce="${nonce}">
for (const item of document.querySelectorAll('[data-approval]')) {
  for (const button of item.querySelectorAll('button')) {
    button.addEventListener('click', async () => {
      const result = item.querySelector('.result');
      for (const b of item.querySelectorAll('button')) b.disabled = true;
      try {
        const res = await fetch('/pair', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ approvalId: item.dataset.approval, decision: button.dataset.decision, csrf: document.body.dataset.csrf }),
        });
        const answer = await res.json();
        if (!res.ok) throw new Error(answer.message || res.statusText);
        result.textContent = answer.status === 'approved'
          ? 'Approved. The side panel finishes pairing by itself in a few seconds.'
          : 'Denied. That extension gets no access.';
        item.querySelector('.actions').remove();
      } catch (err) {
        result.textContent = 'Not done: ' + err.message;
        for (const b of item.querySelectorAll('button')) b.disabled = false;
      }
    });
  }
}
</script>
</body>
</html>`;
}
