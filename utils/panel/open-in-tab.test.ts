import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { isInTab, openPanelInTab } from '@/utils/panel/open-in-tab';

describe('open in tab', () => {
  beforeEach(() => fakeBrowser.reset());

  it('opens the panel page itself in a tab, marked as the full-page copy', async () => {
    await openPanelInTab(fakeBrowser.tabs, fakeBrowser.runtime);
    const tabs = await fakeBrowser.tabs.query({});
    expect(tabs.map((t) => t.url)).toContain(fakeBrowser.runtime.getURL('/sidepanel.html?view=tab'));
    expect(isInTab('?view=tab&theme=dark')).toBe(true);
    expect(isInTab('?theme=dark')).toBe(false);
  });
});
