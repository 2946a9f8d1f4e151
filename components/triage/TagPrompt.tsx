import { useEffect, useRef, useState } from 'preact/hooks';
import { normalizeTag } from '@/utils/domain/organise-schema';

export interface TagPromptProps {
  /** What the tags go on, for the title ("“a knight”"). */
  name: string;
  onAdd(tags: string[]): void;
  onClose(): void;
}

/** Comma-separated tags, normalised as they are stored; blank parts and repeats dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(text.split(',').map(normalizeTag).filter(Boolean))];
}

/** The `t` key: add tags to the focused job. A plain input until a shared autocomplete field is in. */
export function TagPrompt({ name, onAdd, onClose }: TagPromptProps) {
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    input.current?.focus();
    return () => previous?.focus?.();
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    const tags = parseTags(text);
    if (tags.length > 0) onAdd(tags);
    onClose();
  };
  return (
    <div class="dialog-backdrop">
      <form
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="tag-title"
        onSubmit={submit}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2 id="tag-title">Add tags to {name}</h2>
        <label class="field">
          Tags, separated by commas
          <input ref={input} value={text} autoComplete="off" onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <div class="dialog-actions">
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="btn primary">
            Add tags
          </button>
        </div>
      </form>
    </div>
  );
}
