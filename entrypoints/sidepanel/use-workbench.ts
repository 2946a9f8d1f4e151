import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Prefill } from '@/components/GenerateForm';
import { isTypingTarget } from '@/components/triage/keys';

/** Which of the workbench's layers is open over the panel. */
export interface WorkbenchState {
  detailId: string | null;
  compareIds: string[] | null;
  /** A job whose settings wait for "Replace the form?". */
  confirmReuse: string | null;
  /** The job `t` adds tags to. */
  tagFor: string | null;
  shortcuts: boolean;
  /** The jobs the Export dialog exports (a sheet, an animation, a palette). */
  exportIds: string[] | null;
}

export interface WorkbenchInput {
  /** The settings of a job, for the form. */
  prefillOf(id: string): Prefill;
  setPrefill(prefill: Prefill): void;
  /** Brings the form into view after a reuse. */
  showForm(): void;
}

/**
 * The workbench's layers (detail, compare, tags, shortcuts) and "reuse settings", which asks before it replaces a
 * prompt the user typed. `?` anywhere outside a text field opens the shortcuts.
 */
export function useWorkbench({ prefillOf, setPrefill, showForm }: WorkbenchInput) {
  const [state, setState] = useState<WorkbenchState>({
    detailId: null,
    compareIds: null,
    confirmReuse: null,
    tagFor: null,
    shortcuts: false,
    exportIds: null,
  });
  const patch = useCallback((next: Partial<WorkbenchState>) => setState((s) => ({ ...s, ...next })), []);
  const draft = useRef('');
  const onDraftChange = useCallback((prompt: string) => {
    draft.current = prompt;
  }, []);

  const applyReuse = (id: string) => {
    patch({ confirmReuse: null, detailId: null });
    setPrefill(prefillOf(id));
    showForm();
  };
  const reuse = (id: string) => {
    const typed = draft.current.trim();
    if (typed && typed !== prefillOf(id).prompt.trim()) patch({ confirmReuse: id });
    else applyReuse(id);
  };
  const open = useCallback((id: string) => patch({ detailId: id }), [patch]);
  /** A job's image went into the form ("Use as style"): the detail view closes, the form shows. */
  const applyReference = () => {
    patch({ detailId: null });
    showForm();
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.defaultPrevented || isTypingTarget(e.target)) return;
      e.preventDefault();
      patch({ shortcuts: true });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [patch]);

  /** Opens compare with 2-4 jobs: the selection's "Compare" calls this (the detail view's Compare… does too). */
  const compare = useCallback((ids: string[]) => patch({ detailId: null, compareIds: ids.slice(0, 4) }), [patch]);

  return { state, patch, onDraftChange, reuse, applyReuse, applyReference, open, compare };
}
