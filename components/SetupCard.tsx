import { CommandLine } from '@/components/CommandLine';
import { COMPANION_GUIDE_URL } from '@/utils/domain/companion';
import { COMPANION_SERVICE_COMMAND, COMPANION_START_COMMAND } from '@/utils/domain/companion-package';

export interface SetupCardProps {
  /** Whether this browser ever reached a companion: then it is only stopped, and the card says so. */
  seenBefore: boolean;
  /** Why the last attempt failed (wraps to three lines, all of it on hover). */
  lastError: string | null;
  onCopy(command: string): void;
}

/**
 * Shown while the companion cannot be reached: what it is, the one command that starts it, the one that
 * keeps it running at login, and the guide. The background keeps trying, so the card goes by itself once the
 * companion answers; the history below keeps working meanwhile.
 */
export function SetupCard({ seenBefore, lastError, onCopy }: SetupCardProps) {
  return (
    <section
      class="setup-card"
      aria-labelledby="setup-card-title"
      data-testid="offline-notice"
      data-first-run={seenBefore ? 'false' : 'true'}
    >
      <h2 id="setup-card-title">{seenBefore ? 'Companion offline' : 'Start the PixelLab companion'}</h2>
      <p>
        {seenBefore
          ? 'Showing the history saved in this browser; new jobs wait until it is back.'
          : 'The companion is a small program on this computer that holds your PixelLab key, runs your generations and keeps your history on disk.'}
      </p>
      <CommandLine label="Start it (Node.js 20 or newer)" command={COMPANION_START_COMMAND} onCopy={onCopy} />
      <CommandLine label="Or start it at every login" command={COMPANION_SERVICE_COMMAND} onCopy={onCopy} />
      <p class="setup-foot">
        <a href={COMPANION_GUIDE_URL} target="_blank" rel="noreferrer">
          Setup guide
        </a>
        <span aria-hidden="true"> · </span>
        This panel notices when it runs.
      </p>
      {lastError && (
        <p class="offline-reason" title={lastError}>
          {lastError}
        </p>
      )}
    </section>
  );
}
