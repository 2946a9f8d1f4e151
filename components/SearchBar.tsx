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
}

/** Prompt search and status filter; both narrow the list in memory, per keystroke. */
export function SearchBar({ text, status, onText, onStatus, countId }: SearchBarProps) {
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
    </div>
  );
}
