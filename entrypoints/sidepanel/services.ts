import type { Job } from '@/utils/domain/job';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import type { ColourIndexReader } from '@/utils/panel/colour-index';
import type { PanelData } from '@/utils/panel/data';
import type { InsightsSource } from '@/utils/panel/insights-source';
import type { ExportSelection } from '@/utils/panel/use-bulk';

/** Everything the panel does outside rendering; main.tsx passes the real ones, tests fakes. */
export interface PanelServices {
  data: PanelData;
  /** The colour index's read side (utils/panel/colour-index.ts); absent: one over the browser's storage. */
  colours?: ColourIndexReader;
  send(intent: IntentInput): Promise<IntentReply>;
  exportJson(): Promise<string[]>;
  exportCsv(): Promise<string>;
  /** The selected jobs as a ZIP of PNGs, seed JSON or CSV (utils/panel/bulk-export.ts); absent: not offered. */
  exportSelection?: ExportSelection;
  downloadBlob(blob: Blob, filename: string): void;
  downloadPng(job: Job, dataUrl: string | undefined): boolean;
  copyText(text: string): Promise<void>;
  /** Puts a PNG on the clipboard (scaled-image.ts's copyPng when absent). */
  copyPng?(blob: Blob): Promise<void>;
  /** Called once, when the first rows (with their images) are in the DOM. */
  onFirstRowsPainted?(): void;
  /** Opens this page full-page in a tab; absent (or already in one): no "Open in tab". */
  openInTab?(): Promise<void>;
  /** Insights' read side, imported after first paint (main.tsx); without it there is no Insights. */
  insights?(): Promise<InsightsSource>;
}
