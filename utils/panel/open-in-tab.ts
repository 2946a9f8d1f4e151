import { browser } from 'wxt/browser';

/** The query a panel opened full-page carries, so it does not offer "Open in tab" again. */
export const IN_TAB_QUERY = 'view=tab';

/** True in the full-page copy of the panel. */
export function isInTab(search: string = globalThis.location?.search ?? ''): boolean {
  return new URLSearchParams(search).get('view') === 'tab';
}

/**
 * Opens the same panel page in a tab, full-page, for triage on a big screen: same storage, same background, so
 * both stay in step. tabs.create needs no permission for the extension's own pages.
 */
export async function openPanelInTab(
  tabs: { create(props: { url: string }): Promise<unknown> } = browser.tabs,
  runtime: { getURL(path: '/sidepanel.html'): string } = browser.runtime,
): Promise<void> {
  await tabs.create({ url: `${runtime.getURL('/sidepanel.html')}?${IN_TAB_QUERY}` });
}
