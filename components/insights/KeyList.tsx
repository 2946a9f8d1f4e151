import { formatCost, formatCount } from '@/components/format';
import type { KeyTotal } from '@/utils/insights/summary';

export interface KeyListProps {
  items: readonly KeyTotal[];
  /** Shown when there are none. */
  empty: string;
  /** Makes each item a button (a failure reason filters the history to it). */
  onPick?(key: string): void;
  /** The item picked now, shown pressed. */
  active?: string | null;
  /** How a button says what it does, e.g. "Show jobs that failed: …". */
  pickLabel?(key: string): string;
  /** Show what the items cost beside how many jobs they are. */
  spend?: boolean;
  limit?: number;
}

/** Keys with their share as a bar: failure reasons, prompts, tags, boards. A list, so it reads as one. */
export function KeyList({ items, empty, onPick, active = null, pickLabel, spend = true, limit = 8 }: KeyListProps) {
  if (items.length === 0) return <p class="key-empty">{empty}</p>;
  const shown = items.slice(0, limit);
  const most = Math.max(1, ...shown.map((i) => i.count));
  return (
    <ol class="key-list">
      {shown.map((item) => {
        const body = (
          <>
            <span class="key-name">{item.key}</span>
            <span class="key-count">{formatCount(item.count)}</span>
            {spend && <span class="key-spend">{formatCost(item.usd)}</span>}
            <span class="key-bar" style={{ width: `${Math.max(2, (item.count / most) * 100)}%` }} />
          </>
        );
        return (
          <li key={item.key}>
            {onPick ? (
              <button
                type="button"
                class="key-row"
                aria-pressed={active === item.key ? 'true' : 'false'}
                aria-label={pickLabel ? `${pickLabel(item.key)} (${formatCount(item.count)})` : undefined}
                onClick={() => onPick(item.key)}
              >
                {body}
              </button>
            ) : (
              <div class="key-row">{body}</div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
