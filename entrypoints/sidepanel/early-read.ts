/**
 * Imported first by main.tsx, so it runs before the rest of the bundle is evaluated: starts the panel's
 * first storage reads (first-reads.ts) as early as the page can. Read-only.
 */
import { beginFirstReads, chromeLocalArea, firstRowsFor } from '@/entrypoints/sidepanel/first-reads';

const area = chromeLocalArea();
export const firstRows = firstRowsFor(window.innerHeight);
export const earlyReads = area ? beginFirstReads(area, firstRows) : null;
