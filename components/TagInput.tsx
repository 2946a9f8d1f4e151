import { useRef, useState } from 'preact/hooks';
import { MAX_TAG_LENGTH, normalizeTag } from '@/utils/domain/organise-schema';
import { suggestTags } from '@/utils/panel/facets';

export interface TagInputProps {
  /** The input's id; the listbox is `${id}-list`, option n `${id}-opt-n`. */
  id: string;
  /** Visible label text. */
  label: string;
  /** Tags to suggest from, most used first (facets.ts). */
  suggestions: readonly string[];
  /** Tags already chosen: not suggested again. */
  chosen?: readonly string[];
  /** A tag picked or typed, normalised (normalizeTag). */
  onAdd(tag: string): void;
  /** Only the suggested tags can be picked (a filter); else a new tag can be typed (tagging). */
  existingOnly?: boolean;
  placeholder?: string;
  autoFocus?: boolean;
  /** Escape in an empty, closed box (a dialog closes on it). */
  onEscape?(): void;
}

/**
 * A tag box with suggestions from the history, as an ARIA 1.2 combobox (an input that owns a listbox): Down
 * and Up move through the suggestions, Enter picks the highlighted one (or adds what is typed), Escape closes
 * the list. Used by the filter menu, the bulk bar, and the detail view and `t` key.
 */
export function TagInput({
  id,
  label,
  suggestions,
  chosen = [],
  onAdd,
  existingOnly = false,
  placeholder = 'Tag…',
  autoFocus = false,
  onEscape,
}: TagInputProps) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const options = open ? suggestTags(suggestions, text, chosen) : [];
  const listId = `${id}-list`;
  const optionId = (n: number) => `${id}-opt-${n}`;
  const typed = normalizeTag(text);
  const typedOk = typed !== '' && typed.length <= MAX_TAG_LENGTH && !chosen.includes(typed);

  const pick = (tag: string) => {
    onAdd(tag);
    setText('');
    setActive(-1);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) setOpen(true);
      const count = open ? options.length : suggestTags(suggestions, text, chosen).length;
      if (count === 0) return;
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % count : a <= 0 ? count - 1 : a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const highlighted = options[active];
      if (highlighted) pick(highlighted);
      else if (typedOk && (!existingOnly || suggestions.includes(typed))) pick(typed);
    } else if (e.key === 'Escape') {
      if (open && options.length > 0) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
        setActive(-1);
      } else onEscape?.();
    }
  };

  return (
    <div class="tag-input">
      <label for={id}>{label}</label>
      <input
        ref={input}
        id={id}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open && options.length > 0 ? 'true' : 'false'}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 && active < options.length ? optionId(active) : undefined}
        autoComplete="off"
        spellcheck={false}
        maxLength={MAX_TAG_LENGTH + 8}
        placeholder={placeholder}
        // biome-ignore lint/a11y/noAutofocus: opened on purpose by a click or the `t` key, where typing follows
        autoFocus={autoFocus}
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <div
        id={listId}
        role="listbox"
        aria-label={`${label} suggestions`}
        class="tag-options"
        hidden={options.length === 0}
      >
        {options.map((tag, n) => (
          <div
            key={tag}
            id={optionId(n)}
            role="option"
            // Focus stays in the input (aria-activedescendant); -1 only makes the option reachable by script.
            tabIndex={-1}
            aria-selected={n === active ? 'true' : 'false'}
            class={n === active ? 'active' : undefined}
            // Down, not click: a click would blur the input (and close the list) first.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(tag);
              input.current?.focus();
            }}
          >
            {tag}
          </div>
        ))}
      </div>
    </div>
  );
}
