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

/** "Pause queue" / "Resume queue", with what it means said beside it while paused (pausing first holds new jobs). */
export function QueueToggle({ paused, waiting, onToggle, busy = false }: QueueToggleProps) {
  return (
    <div class="queue-bar" role="group" aria-label="Queue">
      <span class="queue-state" data-paused={paused ? 'true' : undefined}>
        {paused
          ? `Queue paused${waiting > 0 ? `: ${waiting} waiting` : ''}. Nothing new starts.`
          : waiting > 0
            ? `${waiting} waiting`
            : 'Queue: nothing waiting'}
      </span>
      <button
        type="button"
        class={`btn small${paused ? ' primary' : ''}`}
        aria-pressed={paused ? 'true' : 'false'}
        title={paused ? 'Let waiting jobs start again' : 'Start no new job until resumed (running ones finish)'}
        disabled={busy}
        onClick={onToggle}
      >
        {paused ? 'Resume queue' : 'Pause queue'}
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
