/**
 * Firefox's sidebar_action: the toolbar button (pinned to the toolbar, as a user does) shows the panel in
 * the real sidebar, and hides it again; the sidebar's panel reaches the companion. The browser window is
 * reached in chrome scope (`--remote-allow-system-access`): BiDi has no input for it, so the button gets
 * the click Firefox's own code would give it (`button.click()` on the XUL toolbarbutton).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeAll, type FirefoxExtension, startFirefox, startStack } from './harness';

afterEach(disposeAll);

interface SidebarState {
  open: boolean;
  /** SidebarController's id of the shown sidebar: `<widget id>-sidebar-action` for an extension's. */
  shown: string | null;
  /** The page in the sidebar's browser. */
  url: string | null;
}

/** Firefox's widget id for an add-on: its id, lower-cased, with every other character an underscore. */
const widgetId = (geckoId: string) => geckoId.toLowerCase().replace(/[^a-z0-9_-]/g, '_');

const sidebarState = (firefox: FirefoxExtension) =>
  firefox.evaluateInBrowserWindow<SidebarState>(`async () => {
    const panels = SidebarController.browser?.contentDocument?.getElementById('webext-panels-browser');
    return {
      open: SidebarController.isOpen,
      shown: SidebarController.isOpen ? SidebarController.currentID : null,
      url: SidebarController.isOpen ? (panels?.currentURI?.spec ?? null) : null,
    };
  }`);

/** Clicks the add-on's toolbar button, then waits until the sidebar is `open` (or not). */
const clickToolbarButton = (firefox: FirefoxExtension, open: boolean) =>
  firefox.evaluateInBrowserWindow<void>(`async () => {
    const id = ${JSON.stringify(`${widgetId(firefox.geckoId)}-browser-action`)};
    CustomizableUI.addWidgetToArea(id, CustomizableUI.AREA_NAVBAR);
    const button = CustomizableUI.getWidget(id).forWindow(window).node.querySelector('toolbarbutton');
    button.click();
    for (let i = 0; i < 100 && SidebarController.isOpen !== ${open}; i++) await new Promise((r) => setTimeout(r, 100));
  }`);

describe('Firefox sidebar', () => {
  it('the toolbar button shows the panel in the sidebar and hides it; the sidebar reaches the companion', async () => {
    const uuid = randomUUID();
    const stack = await startStack({ args: ['--allow-extension', `moz-extension://${uuid}`] });
    const firefox = await startFirefox({ uuid, companionUrl: stack.url });
    const sidebarId = `${widgetId(firefox.geckoId)}-sidebar-action`;

    // Firefox shows a new add-on's sidebar once on install: hide it, so the button has something to do.
    await firefox.evaluateInBrowserWindow<void>('async () => SidebarController.hide()');
    expect(await sidebarState(firefox)).toEqual({ open: false, shown: null, url: null });

    await clickToolbarButton(firefox, true);
    // The sidebar's browser loads the panel a moment after the sidebar opens.
    await expect
      .poll(() => sidebarState(firefox), { timeout: 10_000 })
      .toEqual({ open: true, shown: sidebarId, url: firefox.panelUrl() });

    // The extension sees the same: one sidebar view, the panel, online.
    const tab = await firefox.openExtensionPage('sidepanel.html?theme=light', '#gen-prompt');
    const online = await tab.waitForFunction(
      () => {
        const [view] = (globalThis as any).browser.extension.getViews({ type: 'sidebar' }) as Window[];
        const status = view?.document.querySelector('[data-testid="companion-status"]');
        return status?.getAttribute('data-online') === 'true' ? view!.location.href : null;
      },
      { timeout: 15_000 },
    );
    expect(await online.jsonValue()).toBe(firefox.panelUrl());
    expect(await tab.evaluate(() => (globalThis as any).browser.sidebarAction.isOpen({}))).toBe(true);

    await clickToolbarButton(firefox, false);
    expect(await sidebarState(firefox)).toEqual({ open: false, shown: null, url: null });
  }, 60_000);
});
