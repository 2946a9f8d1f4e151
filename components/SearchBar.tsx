import { STATUS_LABELS } from '@/components/format';
import { jobStatuses } from '@/utils/domain/job';
import type { StatusFilter } from '@/utils/panel/search';

export interface SearchBarProps {
  text: string;
  status: StatusFilter;
  onText(text: string): void;
  onStatus(status: StatusFilter): void;
  /** Id of the element that says how many rows match (the list caption). */
  countId?: string;
  /** The failure reason Insights filtered the list to, shown as a removable chip; null when none. */
  reason?: string | null;
  onClearReason?(): void;
}

/** Prompt search and status filter; both narrow the list in memory, per keystroke. */
export function SearchBar({ text, status, onText, onStatus, countId, reason = null, onClearReason }: SearchBarProps) {
  return (
    <div class="search-bar" role="search">
      <label for="search-text">Search</label>
      <input
        id="search-text"
        type="search"
        placeholder="Prompt words…"
        autoComplete="off"
        spellcheck={false}
        value={text}
        onInput={(e) => onText(e.currentTarget.value)}
        aria-describedby={countId}
      />
      <label for="search-status">Status</label>
      <select id="search-status" value={status} onChange={(e) => onStatus(e.currentTarget.value as StatusFilter)}>
        <option value="all">All</option>
        {jobStatuses.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
      {reason !== null && (
        <span class="filter-chip" data-testid="reason-filter">
          Failed with “{reason}”
          <button type="button" class="chip-clear" aria-label={`Stop filtering to “${reason}”`} onClick={onClearReason}>
            ×
          </button>
        </span>
      )}
    </div>
  );
}
