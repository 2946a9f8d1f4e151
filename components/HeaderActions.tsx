import type { ComponentChildren, RefObject } from 'preact';
import { GearIcon, TabIcon } from '@/components/icons';

export interface HeaderActionsProps {
  insightsOpen: boolean;
  onInsights(): void;
  /** Absent in the full-page copy (or where tabs cannot be opened). */
  onOpenInTab?: () => void;
  /** The history's data menu (export, import, clear). */
  data?: ComponentChildren;
  /** The Trash button (its count; opens the trash view). */
  trash?: ComponentChildren;
  /** The Sync now button. */
  sync: ComponentChildren;
  gearRef: RefObject<HTMLButtonElement>;
  settingsOpen: boolean;
  onSettings(): void;
}

/** The header's buttons: Insights, Open in tab, the history's Data menu, Sync now, Settings. */
export function HeaderActions(props: HeaderActionsProps) {
  return (
    <span class="header-actions">
      <button
        type="button"
        class="btn header-btn insights-btn"
        aria-pressed={props.insightsOpen ? 'true' : 'false'}
        onClick={props.onInsights}
      >
        Insights
      </button>
      {props.onOpenInTab && (
        <button
          type="button"
          class="icon-btn header-btn"
          aria-label="Open in tab"
          title="Open in tab: the same history, full-page"
          onClick={props.onOpenInTab}
        >
          <TabIcon />
        </button>
      )}
      {props.trash}
      {props.data}
      {props.sync}
      <button
        ref={props.gearRef}
        type="button"
        class="icon-btn header-btn"
        aria-label="Settings"
        title="Settings"
        aria-expanded={props.settingsOpen}
        aria-controls="settings-panel"
        onClick={props.onSettings}
      >
        <GearIcon />
      </button>
    </span>
  );
}
