import { PauseIcon, PlayIcon } from '@/components/icons';

/**
 * Queue control: the Pause/Resume button beside the queue's counts, and a waiting row's Move up, Move down and
 * Cancel. Props in, events out; the panel sends the `queue` and `cancel` intents (utils/intents/protocol.ts).
 */

export interface QueueToggleProps {
  paused: boolean;
  /** Jobs waiting here or queued on the companion. */
  waiting: number;
  onToggle(): void;
  busy?: boolean;
}

/**
 * "Pause queue" / "Resume queue" in the list's caption line: a small ⏸ while the queue runs (its state said to
 * screen readers), and "Paused · N waiting" with Resume while it is paused (pausing first holds new jobs).
 */
export function QueueToggle({ paused, waiting, onToggle, busy = false }: QueueToggleProps) {
  const state = paused
    ? `Queue paused${waiting > 0 ? `: ${waiting} waiting` : ''}. Nothing new starts.`
    : waiting > 0
      ? `${waiting} waiting`
      : 'Queue: nothing waiting';
  return (
    <div class="queue-bar" role="group" aria-label="Queue" data-paused={paused ? 'true' : undefined}>
      <span class="queue-state visually-hidden">{state}</span>
      {paused && (
        <span class="queue-paused" aria-hidden="true">
          Paused{waiting > 0 ? ` · ${waiting}` : ''}
        </span>
      )}
      <button
        type="button"
        class={`btn small queue-btn${paused ? ' primary' : ''}`}
        aria-pressed={paused ? 'true' : 'false'}
        aria-label={paused ? 'Resume queue' : 'Pause queue'}
        title={paused ? 'Resume the queue: let waiting jobs start' : 'Pause the queue: start no new job until resumed'}
        disabled={busy}
        onClick={onToggle}
      >
        {paused ? <PlayIcon /> : <PauseIcon />}
      </button>
    </div>
  );
}

/** Where a waiting row stands in the queue (queueOrder): first ones cannot move up, last ones down. */
export interface QueuePlace {
  first: boolean;
  last: boolean;
}

export interface QueueRowActionsProps {
  id: string;
  /** How the buttons name the job to assistive tech (its prompt). */
  name: string;
  place: QueuePlace;
  onMoveUp(id: string): void;
  onMoveDown(id: string): void;
  onCancel(id: string): void;
}

/** A waiting row's queue actions: plain buttons, so Tab and Enter or Space reach them. */
export function QueueRowActions({ id, name, place, onMoveUp, onMoveDown, onCancel }: QueueRowActionsProps) {
  return (
    <span class="queue-actions" role="group" aria-label={`Queue actions for ${name}`}>
      <button
        type="button"
        class="icon-btn"
        aria-label={`Move up ${name}`}
        title="Move up: start sooner"
        disabled={place.first}
        onClick={() => onMoveUp(id)}
      >
        <span aria-hidden="true">▲</span>
      </button>
      <button
        type="button"
        class="icon-btn"
        aria-label={`Move down ${name}`}
        title="Move down: start later"
        disabled={place.last}
        onClick={() => onMoveDown(id)}
      >
        <span aria-hidden="true">▼</span>
      </button>
      <button
        type="button"
        class="btn small danger"
        aria-label={`Cancel ${name}`}
        title="Cancel: take it out of the queue (never run, never paid)"
        onClick={() => onCancel(id)}
      >
        Cancel
      </button>
    </span>
  );
}
