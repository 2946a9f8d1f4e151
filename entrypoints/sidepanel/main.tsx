import { render } from 'preact';
import { OVERSCAN } from '../../components/JobList';
import { ROW_HEIGHT } from '../../components/JobRow';
import { createDebugApi, installDebugApi } from '../../utils/debug-api';
import { createPanelData } from '../../utils/panel-data';
import {
  copyText,
  downloadBlob,
  downloadJobPng,
  exportCsv,
  exportJsonParts,
  sendIntent,
} from '../../utils/panel-intents';
import { App } from './App';
import './style.css';

declare global {
  interface Window {
    /** Read by the benchmark: when the first rows, with images, were in the DOM. */
    __panelTimings?: { firstRowsPainted: number };
  }
}

// `?theme=dark|light` pins the theme (screenshots); otherwise prefers-color-scheme decides.
const theme = new URLSearchParams(location.search).get('theme');
if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;

const data = createPanelData();
// Start reading before the first render, so storage and layout overlap. An upper bound of rows on screen.
void data.start({ firstRows: Math.ceil(window.innerHeight / ROW_HEIGHT) + OVERSCAN });

installDebugApi(createDebugApi(data, sendIntent), window);

render(
  <App
    services={{
      data,
      send: (intent) => sendIntent(intent),
      exportJson: () => exportJsonParts(),
      exportCsv: () => exportCsv(),
      downloadBlob: (blob, filename) => downloadBlob(blob, filename),
      downloadPng: (job, url) => downloadJobPng(job, url),
      copyText: (text) => copyText(text),
      onFirstRowsPainted: () => {
        window.__panelTimings = { firstRowsPainted: performance.now() };
      },
    }}
  />,
  document.getElementById('app')!,
);
