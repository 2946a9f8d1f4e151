import { useCallback, useRef, useState } from 'preact/hooks';

/** A banner entry: one per id, so a repeated failure replaces its message. */
export interface Notice {
  id: string;
  message: string;
}

/** A toast stays long enough to be read: a base plus a little per character, capped. */
const TOAST_MS = 3500;
const TOAST_MS_PER_CHAR = 40;
const TOAST_MAX_MS = 8000;

/** The panel's error banner entries and its one toast. */
export function useNotices() {
  const [errors, setErrors] = useState<Notice[]>([]);
  const [toast, setToast] = useState<string | null>(null);

  // A success removes its entry (message null).
  const setError = useCallback((id: string, message: string | null) => {
    setErrors((list) => {
      const rest = list.filter((e) => e.id !== id);
      return message ? [...rest, { id, message }] : rest;
    });
  }, []);
  const nextErrorId = useRef(0);
  const addError = useCallback((message: string) => setError(`e${nextErrorId.current++}`, message), [setError]);

  const toastTimer = useRef<ReturnType<typeof setTimeout>>();
  const showToast = useCallback((message: string) => {
    setToast(message);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(
      () => setToast(null),
      Math.min(TOAST_MAX_MS, TOAST_MS + message.length * TOAST_MS_PER_CHAR),
    );
  }, []);

  return { errors, setError, addError, toast, showToast };
}
