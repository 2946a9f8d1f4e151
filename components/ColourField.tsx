import { useEffect, useState } from 'preact/hooks';
import { hexOfColour, parseHexColour } from '@/utils/storage/colours';

export interface ColourFieldProps {
  id: string;
  /** `#rrggbb`, or null: no colour filter. */
  value: string | null;
  onChange(value: string | null): void;
}

/**
 * The filter menu's colour: a picker and a hex field side by side. A full `#rrggbb` (or `rrggbb`) applies at once;
 * a partial one waits; an emptied field removes the filter.
 */
export function ColourField({ id, value, onChange }: ColourFieldProps) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [value]);
  const invalid = text.trim() !== '' && parseHexColour(text) === null;

  return (
    <div class="field colour-field">
      <label for={`${id}-hex`}>Colour</label>
      <span class="colour-inputs">
        <input
          type="color"
          aria-label="Pick a colour"
          value={value ?? '#000000'}
          onInput={(e) => onChange(e.currentTarget.value.toLowerCase())}
        />
        <input
          id={`${id}-hex`}
          type="text"
          inputMode="text"
          autoComplete="off"
          spellcheck={false}
          placeholder="#rrggbb"
          maxLength={7}
          size={8}
          value={text}
          aria-invalid={invalid ? 'true' : undefined}
          title="An exact colour, as #rrggbb"
          onInput={(e) => {
            const next = e.currentTarget.value;
            setText(next);
            const rgb = parseHexColour(next);
            if (rgb !== null) onChange(hexOfColour(rgb));
            else if (next.trim() === '') onChange(null);
          }}
        />
      </span>
    </div>
  );
}
