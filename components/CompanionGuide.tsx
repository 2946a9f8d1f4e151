import { KeyPrompt } from '@/components/KeyPrompt';
import { SetupCard } from '@/components/SetupCard';
import { connectionOf } from '@/components/StatusBar';
import { UpdateNotice } from '@/components/UpdateNotice';
import type { SyncState } from '@/utils/storage/layout';

export interface CompanionGuideProps {
  sync: SyncState;
  /** The API version this panel speaks (COMPANION_API_VERSION). */
  panelApiVersion: number;
  onCopy(command: string): void;
  /** Resolves with the companion's refusal, or null once the key is saved. */
  onSaveKey(apiKey: string): Promise<string | null>;
}

/**
 * The first run, step by step, from what storage says about the companion: start it (the setup card, while it
 * cannot be reached), update it (older than the panel), give it a key (running without one). Each step goes
 * away by itself once the background sees it done.
 */
export function CompanionGuide({ sync, panelApiVersion, onCopy, onSaveKey }: CompanionGuideProps) {
  const connection = connectionOf(sync);
  if (connection === 'offline')
    return <SetupCard seenBefore={sync.serverId !== null} lastError={sync.lastError} onCopy={onCopy} />;
  if (connection !== 'online') return null;
  const older = sync.apiVersion !== null && sync.apiVersion < panelApiVersion;
  // Pairing comes first: an unpaired browser may not set the key.
  const needsKey = sync.apiKeyDetected === false && sync.pairing !== 'required' && !older;
  return (
    <>
      {older && <UpdateNotice panelVersion={panelApiVersion} companionVersion={sync.apiVersion!} onCopy={onCopy} />}
      {needsKey && <KeyPrompt onSave={onSaveKey} />}
    </>
  );
}
