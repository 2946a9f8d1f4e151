/**
 * Code that runs inside the panel page. Written as plain JavaScript source (not TypeScript functions)
 * so the Node-side transpiler cannot slip helpers into it before Playwright sends it to the page.
 *
 * Every time here is `performance.now()` of the page: milliseconds since its navigation started.
 */

export interface InitConfig {
  /**
   * 'panel': time the real panel's first rows. 'baseline': the one-key baseline, run by this script at document
   * start. 'floor': one read of exactly the keys the first rows need (`keys`), run by this script at document
   * start -- what any layout needs at least in this page.
   */
  mode: 'panel' | 'baseline' | 'floor';
  /** floor: job:<id> and img:<hash> keys of the newest rows, newest first. */
  keys?: string[];
  /** Rows the detector needs on screen (with decoded thumbnails): min(this, the rows that fit). */
  expectRows: number;
  rowHeight: number;
  /** baseline: the storage key holding the whole history. */
  key?: string;
  /** baseline: rows it builds. */
  rows?: number;
  /** baseline: keep the parsed history referenced (as a dashboard holding it would), for the heap figure. */
  keep?: boolean;
}

/**
 * Installed with page.addInitScript before navigation, so it runs at document start of sidepanel.html:
 *  - a PerformanceObserver for long tasks (buffered), into window.__bench.longtasks;
 *  - mode 'panel': a MutationObserver that records when the job rows on screen all show decoded thumbnails
 *    (window.__bench.firstRows: dom = the check passed, painted = after the next frame was produced);
 *  - mode 'baseline': reads the whole history from ONE key at document start, builds the newest N rows with
 *    <img> from data URLs over the page, waits until they are decoded, and records the same two marks in
 *    window.__bench.baseline.
 */
/**
 * In-page `afterFrame(fn)`: fn(now) once the frame showing the current DOM was produced: rAF runs before that
 * frame's paint, the message task right after it.
 */
export const AFTER_FRAME = `const afterFrame = (fn) =>
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => fn(performance.now());
      ch.port2.postMessage(0);
    });`;

export function initScript(config: InitConfig): string {
  return `(() => {
  if (location.pathname !== '/sidepanel.html') return;
  const CFG = ${JSON.stringify(config)};
  const B = (window.__bench = { cfg: CFG, longtasks: [], firstRows: null, baseline: null, errors: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {
    B.errors.push('longtask observer: ' + e);
  }
  // Every chrome.storage.local.get of the page, timed (promise or callback form), for the breakdown.
  B.reads = [];
  try {
    const area = chrome.storage.local;
    const get = area.get.bind(area);
    area.get = function (keys, callback) {
      const entry = { start: performance.now(), end: null, keys: keys == null ? null : typeof keys === 'string' ? 1 : Array.isArray(keys) ? keys.length : Object.keys(keys).length };
      B.reads.push(entry);
      if (typeof callback === 'function') return get(keys, (r) => { entry.end = performance.now(); callback(r); });
      return get(keys).then((r) => { entry.end = performance.now(); return r; });
    };
  } catch (e) {
    B.errors.push('storage trace: ' + e);
  }
  ${AFTER_FRAME}

  if (CFG.mode === 'baseline' || CFG.mode === 'floor') {
    const start = performance.now();
    chrome.storage.local.get(CFG.mode === 'baseline' ? CFG.key : CFG.keys).then(async (got) => {
      const read = performance.now();
      let history = null;
      let jobs;
      let newest;
      if (CFG.mode === 'baseline') {
        history = got[CFG.key];
        jobs = (history && history.jobs) || [];
        newest = jobs.slice(-CFG.rows).reverse();
      } else {
        newest = CFG.keys.filter((k) => k.startsWith('job:')).map((k) => got[k]).filter(Boolean)
          .map((job) => ({ prompt: job.prompt, result: got['img:' + job.image] }));
        jobs = newest;
      }
      if (document.readyState === 'loading') await new Promise((r) => document.addEventListener('DOMContentLoaded', r, { once: true }));
      const box = document.createElement('div');
      box.id = 'bench-baseline';
      box.style.cssText = 'position:fixed;inset:0;overflow:auto;background:#fff;z-index:2147483647;font:13px sans-serif';
      for (const job of newest) {
        const row = document.createElement('div');
        row.style.cssText = 'height:88px;display:flex;gap:8px;align-items:center;border-bottom:1px solid #ddd';
        const img = new Image(64, 64);
        img.alt = job.prompt;
        img.src = typeof job.result === 'string' ? job.result : (job.result && job.result.image_data_url) || '';
        const p = document.createElement('p');
        p.textContent = job.prompt;
        row.append(img, p);
        box.append(row);
      }
      document.body.append(box);
      await Promise.all([...box.querySelectorAll('img')].map((i) => i.decode().catch(() => {})));
      const dom = performance.now();
      if (CFG.keep) window.__benchHistory = history;
      afterFrame((painted) => {
        B.baseline = { start, read, dom, painted, jobs: jobs.length, rows: newest.length };
      });
    }, (e) => B.errors.push('baseline read: ' + e));
    return;
  }

  let done = false;
  let queued = false;
  const check = async () => {
    queued = false;
    if (done) return;
    const scroller = document.querySelector('[data-testid="job-scroller"]');
    if (!scroller) return;
    // No geometry (it would force a layout) until the first row shows an image.
    const firstImg = scroller.querySelector('[data-job-id] img[src]');
    if (!firstImg) return;
    const sr = scroller.getBoundingClientRect();
    const top = Math.max(sr.top, 0);
    const bottom = Math.min(sr.bottom, innerHeight);
    if (bottom - top < 1) return;
    const rows = [...scroller.querySelectorAll('[data-job-id]')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.bottom > top && r.top < bottom;
    });
    const slots = Math.max(1, Math.floor((bottom - top) / CFG.rowHeight));
    if (rows.length === 0 || rows.length < Math.min(slots, CFG.expectRows)) return;
    const imgs = rows.map((r) => r.querySelector('img'));
    if (imgs.some((i) => !i || !i.getAttribute('src'))) return;
    await Promise.all(imgs.map((i) => i.decode().catch(() => {})));
    if (done) return;
    if (imgs.some((i) => !i.isConnected || !(i.complete && i.naturalWidth > 0))) return void schedule();
    done = true;
    observer.disconnect();
    const dom = performance.now();
    afterFrame((painted) => {
      B.firstRows = {
        dom,
        painted,
        rows: rows.length,
        ids: rows.map((r) => r.getAttribute('data-job-id')),
        app: (window.__panelTimings && window.__panelTimings.firstRowsPainted) || null,
      };
    });
  };
  const schedule = () => {
    if (queued || done) return;
    queued = true;
    queueMicrotask(check);
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['src'] });
  // An image that finishes loading changes no DOM: look again on every load.
  document.addEventListener('load', (e) => { if (e.target && e.target.tagName === 'IMG') schedule(); }, true);
})();`;
}

/**
 * Arms the search timer for one keystroke: the input event's time, and when the list shows `expect`
 * (the caption "N of TOTAL" and the first row's id) -- dom when a mutation made it so, painted after
 * the next frame. Result in window.__benchSearch.
 */
export function armSearch(expect: { caption: string; firstId: string | null }): string {
  return `(() => {
  const EXP = ${JSON.stringify(expect)};
  ${AFTER_FRAME}
  const S = (window.__benchSearch = { t0: null, eventTs: null, dom: null, painted: null });
  const input = document.getElementById('search-text');
  const list = document.querySelector('.job-list') || document.body;
  const ok = () => {
    const cap = (document.getElementById('job-count')?.textContent || '').trim();
    const first = document.querySelector('[data-testid="job-scroller"] [data-job-id]');
    return cap === EXP.caption && (first ? first.getAttribute('data-job-id') : null) === EXP.firstId;
  };
  input.addEventListener('input', (e) => { S.t0 = performance.now(); S.eventTs = e.timeStamp; }, { once: true, capture: true });
  const observer = new MutationObserver(() => {
    if (S.t0 === null || S.dom !== null || !ok()) return;
    S.dom = performance.now();
    observer.disconnect();
    afterFrame((t) => { S.painted = t; });
  });
  observer.observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
})()`;
}

/**
 * Scrolls the virtualized list from top to bottom. Each step waits until every rendered row shows a
 * decoded thumbnail (so each job's record and image were really read), then jumps by the number of
 * rendered rows: with 4 rows of overscan on each side the next window starts before the previous one
 * ended, so no row is skipped. Returns how many distinct jobs were seen with their image.
 */
export const scrollThrough = (rowHeight: number) => `(async () => {
  const scroller = document.querySelector('[data-testid="job-scroller"]');
  const rowHeight = ${rowHeight};
  const seen = new Set();
  let steps = 0;
  let stuck = 0;
  const started = performance.now();
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  scroller.scrollTop = 0;
  await frame();
  for (;;) {
    const waitFrom = performance.now();
    let rows;
    for (;;) {
      rows = [...scroller.querySelectorAll('[data-job-id]')];
      const ready = rows.length > 0 && rows.every((r) => { const i = r.querySelector('img'); return i && i.complete && i.naturalWidth > 0; });
      if (ready) break;
      if (performance.now() - waitFrom > 5000) { stuck++; break; }
      await frame();
    }
    for (const r of rows) if (r.querySelector('img')?.naturalWidth > 0) seen.add(r.getAttribute('data-job-id'));
    const before = scroller.scrollTop;
    scroller.scrollTop = before + Math.max(rowHeight, rows.length * rowHeight);
    if (scroller.scrollTop === before) break;
    steps++;
    await frame();
  }
  return { seen: seen.size, steps, stuck, ms: performance.now() - started };
})()`;
