import { useState } from 'preact/hooks';
import { BoardActions, type BoardActionsProps } from '@/components/BoardActions';
import { FilterMenu } from '@/components/FilterMenu';
import { chipsOf } from '@/components/filter-chips';
import { STATUS_LABELS } from '@/components/format';
import { type JobStatus, jobStatuses } from '@/utils/domain/job';
import { authorKeyLabel, useDevices } from '@/utils/panel/devices';
import type { Facets } from '@/utils/panel/facets';
import { emptyFilter } from '@/utils/panel/filter';
import type { FindQuery } from '@/utils/panel/find';
import { SORT_KEYS, SORT_LABELS, type SortKey } from '@/utils/panel/sort';

/** A board as the menus name it. */
export interface BoardOption {
  id: string;
  name: string;
}

export interface SearchBarProps {
  query: FindQuery;
  onQuery(query: FindQuery): void;
  /** Id of the element that says how many rows match (the list caption). */
  countId?: string;
  /** Tags and sizes of the history, read when the filter menu opens. */
  facets(): Facets;
  boards?: readonly BoardOption[];
  /** The filter menu opened (the panel reads what its filters need, e.g. the colour index). */
  onFiltersOpen?(): void;
  /** Renames and deletes boards: offered while the list is filtered by one. */
  runBoard?: BoardActionsProps['run'];
}

/**
 * The search box, status and sort on one line, the other filters behind "Filters", and every active filter as
 * a removable chip under them: the top of the panel stays one line until something narrows the list.
 */
export function SearchBar({ query, onQuery, countId, facets, boards = [], runBoard, onFiltersOpen }: SearchBarProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const boardName = (id: string) => boards.find((b) => b.id === id)?.name ?? 'a deleted board';
  const devices = useDevices();
  const chips = chipsOf(query, boardName, (key) => authorKeyLabel(key, devices));
  // The status select shows one status; the chips list every one.
  const menuCount = chips.filter((c) => !c.key.startsWith('status:')).length;
  const board = query.board ? boards.find((b) => b.id === query.board) : undefined;

  return (
    <div class="search-bar" role="search">
      <div class="search-line">
        <label for="search-text" class="visually-hidden">
          Search
        </label>
        <input
          id="search-text"
          type="search"
          placeholder="Search prompts…"
          autoComplete="off"
          spellcheck={false}
          value={query.text}
          onInput={(e) => onQuery({ ...query, text: e.currentTarget.value })}
          aria-describedby={countId}
        />
        <label for="search-status" class="visually-hidden">
          Status
        </label>
        <select
          id="search-status"
          title="Status"
          value={query.statuses[0] ?? 'all'}
          onChange={(e) => {
            const value = e.currentTarget.value;
            onQuery({ ...query, statuses: value === 'all' ? [] : [value as JobStatus] });
          }}
        >
          <option value="all">All statuses</option>
          {jobStatuses.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <label for="search-sort" class="visually-hidden">
          Sort
        </label>
        <select
          id="search-sort"
          title="Sort order"
          value={query.sort}
          onChange={(e) => onQuery({ ...query, sort: e.currentTarget.value as SortKey })}
        >
          {SORT_KEYS.map((key) => (
            <option key={key} value={key}>
              {SORT_LABELS[key]}
            </option>
          ))}
        </select>
        <button
          type="button"
          class="btn small filters-btn"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="filter-menu"
          onClick={() => {
            if (!menuOpen) onFiltersOpen?.();
            setMenuOpen(!menuOpen);
          }}
        >
          Filters{menuCount > 0 && <span class="filters-count"> · {menuCount}</span>}
        </button>
      </div>
      {menuOpen && (
        <FilterMenu
          id="filter-menu"
          query={query}
          onQuery={onQuery}
          facets={facets()}
          boards={boards}
          onClose={() => setMenuOpen(false)}
        />
      )}
      {chips.length > 0 && (
        <ul class="filter-chips" aria-label="Active filters">
          {chips.map((chip) => (
            <li key={chip.key} class="filter-chip" data-testid={chip.key === 'reason' ? 'reason-filter' : undefined}>
              {chip.swatch && <span class="chip-swatch" style={{ background: chip.swatch }} aria-hidden="true" />}
              <span class="chip-label">{chip.label}</span>
              <button
                type="button"
                class="chip-clear"
                aria-label={`Remove filter: ${chip.label}`}
                title="Remove this filter"
                onClick={() => onQuery(chip.without(query))}
              >
                ×
              </button>
            </li>
          ))}
          {board && runBoard && (
            <li>
              <BoardActions board={board} run={runBoard} onDeleted={() => onQuery({ ...query, board: null })} />
            </li>
          )}
          {chips.length > 1 && (
            <li>
              <button
                type="button"
                class="link-btn"
                onClick={() => onQuery({ ...emptyFilter, text: query.text, sort: query.sort })}
              >
                Clear filters
              </button>
            </li>
          )}
        </ul>
      )}
    </div>
  );
}
