/**
 * Firefox's sidebar, reached in the browser window (chrome scope, `--remote-allow-system-access`): BiDi has
 * no input for the toolbar, so the add-on's button gets the click Firefox's own code would give it
 * (`button.click()` on the XUL toolbarbutton, pinned to the toolbar as a user does).
 */
import type { FirefoxExtension } from './harness';

export interface SidebarState {
  open: boolean;
  /** SidebarController's id of the shown sidebar: `<widget id>-sidebar-action` for an extension's. */
  shown: string | null;
  /** The page in the sidebar's browser. */
  url: string | null;
}

/** Firefox's widget id for an add-on: its id, lower-cased, with every other character an underscore. */
export const widgetId = (geckoId: string) => geckoId.toLowerCase().replace(/[^a-z0-9_-]/g, '_');

export const sidebarState = (firefox: FirefoxExtension) =>
  firefox.evaluateInBrowserWindow<SidebarState>(`async () => {
    const panels = SidebarController.browser?.contentDocument?.getElementById('webext-panels-browser');
    return {
      open: SidebarController.isOpen,
      shown: SidebarController.isOpen ? SidebarController.currentID : null,
      url: SidebarController.isOpen ? (panels?.currentURI?.spec ?? null) : null,
    };
  }`);

/** Clicks the add-on's toolbar button, then waits until the sidebar is `open` (or not). */
export const clickToolbarButton = (firefox: FirefoxExtension, open: boolean) =>
  firefox.evaluateInBrowserWindow<void>(`async () => {
    const id = ${JSON.stringify(`${widgetId(firefox.geckoId)}-browser-action`)};
    CustomizableUI.addWidgetToArea(id, CustomizableUI.AREA_NAVBAR);
    const button = CustomizableUI.getWidget(id).forWindow(window).node.querySelector('toolbarbutton');
    button.click();
    for (let i = 0; i < 100 && SidebarController.isOpen !== ${open}; i++) await new Promise((r) => setTimeout(r, 100));
  }`);
