import { ColourField } from '@/components/ColourField';
import type { BoardOption } from '@/components/SearchBar';
import { TagInput } from '@/components/TagInput';
import { localDay } from '@/utils/insights/facts';
import { authorKeyLabel, useDevices } from '@/utils/panel/devices';
import type { Facets } from '@/utils/panel/facets';
import { localDayEnd, localDayStart } from '@/utils/panel/filter';
import type { FindQuery } from '@/utils/panel/find';

export interface FilterMenuProps {
  id: string;
  query: FindQuery;
  onQuery(query: FindQuery): void;
  facets: Facets;
  boards: readonly BoardOption[];
  onClose(): void;
}

/** Every filter but the words and status, as form controls; each change applies at once (and shows as a chip). */
export function FilterMenu({ id, query, onQuery, facets, boards, onClose }: FilterMenuProps) {
  const set = (patch: Partial<FindQuery>) => onQuery({ ...query, ...patch });
  const select = (value: string) => (value === '' ? null : value);
  const devices = useDevices();

  return (
    <div
      id={id}
      class="filter-menu"
      role="group"
      aria-label="Filters"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <label class="check">
        <input type="checkbox" checked={query.starred} onChange={(e) => set({ starred: e.currentTarget.checked })} />
        Starred
      </label>
      <label class="check">
        <input type="checkbox" checked={query.hasError} onChange={(e) => set({ hasError: e.currentTarget.checked })} />
        Has error
      </label>
      <label class="check">
        <input type="checkbox" checked={query.trash} onChange={(e) => set({ trash: e.currentTarget.checked })} />
        Trash
      </label>
      <div class="field">
        <label for={`${id}-rating`}>Rating</label>
        <select
          id={`${id}-rating`}
          value={query.minRating ?? ''}
          onChange={(e) => set({ minRating: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) })}
        >
          <option value="">Any</option>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={n}>
              {n === 5 ? '5 stars' : `${n}+ stars`}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-kind`}>Kind</label>
        <select
          id={`${id}-kind`}
          value={query.kind ?? ''}
          onChange={(e) => set({ kind: select(e.currentTarget.value) })}
        >
          <option value="">Any</option>
          <option value="generate">Generated</option>
          <option value="rotate">Rotated</option>
        </select>
      </div>
      <div class="field">
        <label for={`${id}-size`}>Size</label>
        <select
          id={`${id}-size`}
          value={query.size ?? ''}
          onChange={(e) => set({ size: select(e.currentTarget.value) })}
        >
          <option value="">Any</option>
          {facets.sizes.map((s) => (
            <option key={s} value={s}>
              {s.replace('x', '×')}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-board`}>Board</label>
        <select
          id={`${id}-board`}
          value={query.board ?? ''}
          onChange={(e) => set({ board: select(e.currentTarget.value) })}
        >
          <option value="">Any</option>
          {boards.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
      </div>
      {(facets.authors.length > 1 || query.author !== null) && (
        <div class="field">
          <label for={`${id}-author`}>Author</label>
          <select
            id={`${id}-author`}
            value={query.author ?? ''}
            onChange={(e) => set({ author: select(e.currentTarget.value) })}
          >
            <option value="">Anyone</option>
            {facets.authors.map((key) => (
              <option key={key} value={key}>
                {authorKeyLabel(key, devices)}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for={`${id}-from`}>From</label>
        <input
          id={`${id}-from`}
          type="date"
          value={query.from === null ? '' : localDay(query.from)}
          onChange={(e) => set({ from: localDayStart(e.currentTarget.value) })}
        />
      </div>
      <div class="field">
        <label for={`${id}-until`}>Until</label>
        <input
          id={`${id}-until`}
          type="date"
          value={query.to === null ? '' : localDay(query.to - 1)}
          onChange={(e) => set({ to: localDayEnd(e.currentTarget.value) })}
        />
      </div>
      <ColourField id={`${id}-colour`} value={query.colour} onChange={(colour) => set({ colour })} />
      <TagInput
        id={`${id}-tag`}
        label="Tag"
        suggestions={facets.tags}
        chosen={query.tags}
        existingOnly
        placeholder={facets.tags.length ? 'Tag…' : 'No tags yet'}
        onAdd={(tag) => set({ tags: [...query.tags, tag] })}
      />
      <button type="button" class="btn small filter-done" onClick={onClose}>
        Done
      </button>
    </div>
  );
}
