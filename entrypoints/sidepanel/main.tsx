// biome-ignore-all assist/source/organizeImports: early-read stays first, see below.
// First: starts the first storage reads before the rest of this bundle is evaluated (sorting the imports
// would put preact, zod and the panel's modules ahead of it).
import { earlyReads, firstRows } from '@/entrypoints/sidepanel/early-read';
import { render } from 'preact';
import { browser } from 'wxt/browser';
import type { PanelStorage } from '@/utils/storage/area';
import { createPanelData } from '@/utils/panel/data';
import { createDebugApi, installDebugApi } from '@/utils/panel/debug-api';
import { copyText, downloadBlob, downloadJobPng } from '@/utils/panel/download';
import { exportCsv, exportJsonParts } from '@/utils/panel/export';
import { isInTab, openPanelInTab } from '@/utils/panel/open-in-tab';
import { sendIntent } from '@/utils/panel/send-intent';
import { App } from '@/entrypoints/sidepanel/App';
import '@/entrypoints/sidepanel/styles/index.css';

declare global {
  interface Window {
    /** Read by the benchmark: when the first rows, with images, were in the DOM. */
    __panelTimings?: { firstRowsPainted: number };
  }
}

// `?theme=dark|light` pins the theme (screenshots); otherwise prefers-color-scheme decides.
const theme = new URLSearchParams(location.search).get('theme');
if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;

const storage = browser.storage.local as unknown as PanelStorage;
const data = createPanelData(storage);
// Adopt the early reads before the first render, so storage and layout overlap.
void data.start({ firstRows, early: earlyReads });

// Its own chunk, imported after the first rows are painted (or by the first app.getInsights()).
const loadInsights = () => import('@/utils/panel/insights-source').then((m) => m.createInsightsSource());
installDebugApi(createDebugApi(data, sendIntent, loadInsights), window);

render(
  <App
    services={{
      data,
      send: (intent) => sendIntent(intent),
      exportJson: () => exportJsonParts(),
      exportCsv: () => exportCsv(),
      // Its own chunk (fflate, the PNG scaler): loaded when a selection is first exported.
      exportSelection: (kind, ids, options) =>
        import('@/utils/panel/bulk-export').then((m) => m.exportSelection(storage, kind, ids, options)),
      downloadBlob: (blob, filename) => downloadBlob(blob, filename),
      downloadPng: (job, url) => downloadJobPng(job, url),
      copyText: (text) => copyText(text),
      onFirstRowsPainted: () => {
        window.__panelTimings = { firstRowsPainted: performance.now() };
      },
      insights: loadInsights,
      openInTab: isInTab() ? undefined : () => openPanelInTab(),
    }}
  />,
  document.getElementById('app')!,
);
