import { CommandLine } from '@/components/CommandLine';
import { COMPANION_UPDATE_COMMAND } from '@/utils/domain/companion-package';

export interface UpdateNoticeProps {
  /** The API version this panel speaks. */
  panelVersion: number;
  /** The one the companion reported. */
  companionVersion: number;
  onCopy(command: string): void;
}

/** The companion is older than the panel: say so, with the command that updates it. */
export function UpdateNotice({ panelVersion, companionVersion, onCopy }: UpdateNoticeProps) {
  return (
    <section class="update-notice" aria-labelledby="update-notice-title" data-testid="update-notice">
      <h2 id="update-notice-title">Update your companion</h2>
      <p>
        This panel is newer (API {panelVersion}) than the companion (API {companionVersion}): history and generation
        work, but setting the key here and pairing on a page need the update.
      </p>
      <CommandLine label="Update it" command={COMPANION_UPDATE_COMMAND} onCopy={onCopy} />
    </section>
  );
}
