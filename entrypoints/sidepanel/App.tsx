import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ErrorBanner, Toast } from '@/components/Banner';
import { SelectionBar } from '@/components/BulkBar';
import { CompanionGuide } from '@/components/CompanionGuide';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { DataTools } from '@/components/DataTools';
import type { Rating } from '@/components/detail/types';
import { shortPrompt } from '@/components/format';
import { GenerateForm, type Prefill, prefillFrom } from '@/components/GenerateForm';
import { HeaderActions } from '@/components/HeaderActions';
import { PixelLogo } from '@/components/icons';
import { InsightsSlot } from '@/components/insights/InsightsSlot';
import { JobList, listCaption } from '@/components/JobList';
import { KeySettings } from '@/components/KeySettings';
import { ListSummary } from '@/components/ListSummary';
import { MenuHost } from '@/components/OverflowMenu';
import { SearchBar } from '@/components/SearchBar';
import { SettingsPanel } from '@/components/SettingsPanel';
import { connectionOf, StatusBar, SyncNowButton } from '@/components/StatusBar';
import { TrashButton, TrashView } from '@/components/TrashView';
import { UndoToast } from '@/components/UndoToast';
import { bannerMessages, isStorageReport } from '@/entrypoints/sidepanel/banner-messages';
import { pairingActions } from '@/entrypoints/sidepanel/pairing-actions';
import type { PanelServices } from '@/entrypoints/sidepanel/services';
import { useJobActions } from '@/entrypoints/sidepanel/use-job-actions';
import { useWorkbench } from '@/entrypoints/sidepanel/use-workbench';
import { WorkbenchLayer } from '@/entrypoints/sidepanel/WorkbenchLayer';
import { COMPANION_API_VERSION } from '@/utils/domain/companion-package';
import { errorMessage } from '@/utils/domain/error-message';
import { estimateCallUsd } from '@/utils/domain/spend';
import type { InsightsRange } from '@/utils/insights/summary';
import type { IntentInput, IntentReply } from '@/utils/intents/protocol';
import { DevicesProvider } from '@/utils/panel/devices';
import { RecordsContext } from '@/utils/panel/records';
import { useStacks } from '@/utils/panel/stacks';
import { useDataTasks } from '@/utils/panel/use-data-tasks';
import { useFind } from '@/utils/panel/use-find';
import { useFormActions } from '@/utils/panel/use-form-actions';
import { useInsightsSource } from '@/utils/panel/use-insights-source';
import { useNotices } from '@/utils/panel/use-notices';
import { useQueueControl } from '@/utils/panel/use-queue-control';
import { useTrash } from '@/utils/panel/use-trash';
import { useViewPrefs } from '@/utils/panel/view-prefs';
import type { Settings } from '@/utils/storage/settings';

export type { PanelServices } from '@/entrypoints/sidepanel/services';

/** How often the panel tells the background it is open (keeps the sync interval running). */
const PANEL_OPEN_EVERY_MS = 10_000;

export function App({ services }: { services: PanelServices }) {
  const { data, send } = services;
  // A signal: reading it here re-renders the panel whenever storage changes what it shows.
  const snap = data.snapshot.value;

  const [prefill, setPrefill] = useState<Prefill | null>(null);
  const { errors, setError, addError, toast, showToast } = useNotices();
  const [dismissed, setDismissed] = useState<Set<string>>(() => new Set());
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [confirmClear, setConfirmClear] = useState(false);
  const [view, setView] = useState<'history' | 'insights' | 'trash'>('history');
  const [range, setRange] = useState<InsightsRange>('7d');
  const [syncBusy, setSyncBusy] = useState(false);
  const [viewPrefs, setViewPrefs] = useViewPrefs();
  const formRef = useRef<HTMLDivElement>(null);
  const gearRef = useRef<HTMLButtonElement>(null);
  const closeSettings = useCallback(() => {
    setSettingsOpen(false);
    gearRef.current?.focus();
  }, []);

  /** Sends an intent; a failure goes to the banner, a success to the toast when it says something. */
  const run = useCallback(
    async (intent: IntentInput, success?: string | ((reply: Extract<IntentReply, { ok: true }>) => string)) => {
      const reply = await send(intent);
      if (!reply.ok) addError(reply.error);
      else if (success) showToast(typeof success === 'string' ? success : success(reply));
      return reply;
    },
    [send, addError, showToast],
  );

  // Tell the background the panel is open, once the first rows are in (the sync run it starts reads storage
  // beside the panel's first reads), and every few seconds.
  const firstRowsReady = snap.firstRowsReady;
  useEffect(() => {
    if (!firstRowsReady) return;
    const ping = async () => {
      const reply = await send({ type: 'panelOpen' });
      setError('panelOpen', reply.ok ? null : reply.error);
    };
    void ping();
    const timer = setInterval(() => void ping(), PANEL_OPEN_EVERY_MS);
    return () => clearInterval(timer);
  }, [send, setError, firstRowsReady]);

  const marked = useRef(false);
  useLayoutEffect(() => {
    if (marked.current || !snap.firstRowsReady) return;
    marked.current = true;
    services.onFirstRowsPainted?.();
  }, [snap.firstRowsReady, services]);

  const find = useFind(snap.entries, snap.entriesVersion, services.colours);
  // The find engine leaves trashed jobs out (its Trash filter lists them).
  const { query, setQuery, rows: filtered, narrowed, selection } = find;
  useEffect(() => {
    // Searching (or opening the trash) before the full index is in: read it now.
    if ((narrowed || view === 'trash') && snap.phase === 'head') void data.loadIndex();
  }, [narrowed, view, snap.phase, data]);

  // Batches fold into one row each; what is shown (and walked by Prev/Next) is the stacked list.
  const stacked = useStacks(filtered);
  const rows = stacked.entries;
  const boards = data.records.boards.value;

  const queue = useQueueControl(data, snap, run);
  const trashed = useTrash(run, data, snap, setView);
  const findJob = (id: string) => data.getJob(id);
  const entryOf = (id: string) => snap.entries.find((e) => e.id === id);
  /** How a toast names a job: its prompt, quoted and shortened; never the raw id. */
  const nameOf = (id: string) => {
    const prompt = findJob(id)?.prompt ?? entryOf(id)?.prompt ?? '';
    return prompt.trim() ? `“${shortPrompt(prompt)}”` : 'the job';
  };
  // Read when an intent's reply arrives: whether new work runs now or waits for the companion.
  const latestSync = useRef(snap.sync);
  latestSync.current = snap.sync;
  const offline = () => connectionOf(latestSync.current) === 'offline';

  const wb = useWorkbench({
    prefillOf: (id) => prefillFrom(findJob(id), entryOf(id)?.prompt),
    setPrefill,
    showForm: () => formRef.current?.scrollIntoView?.({ block: 'nearest' }),
  });
  // A detail view shows swatches: the colour index is read before one is clicked.
  const detailOpen = wb.state.detailId !== null;
  useEffect(() => {
    if (detailOpen) find.prepareColours();
  }, [detailOpen, find.prepareColours]);
  const form = useFormActions({ data, send, run, addError, showToast, nameOf, offline, showForm: wb.applyReference });
  const {
    row: rowActions,
    detail: detailActions,
    addTags: onAddTags,
    triage,
  } = useJobActions({
    services,
    data,
    run,
    trash: trashed.trash,
    queueActions: queue.rowActions,
    addError,
    showToast,
    nameOf,
    promptOf: (id) => findJob(id)?.prompt ?? entryOf(id)?.prompt ?? '',
    offline,
    reuse: wb.reuse,
    open: wb.open,
    useAs: form.useAs,
    inpaint: form.inpaint,
    marksOf: (id) => {
      const marked = findJob(id) ?? entryOf(id);
      return { starred: !!marked?.starred, rating: (marked?.rating ?? null) as Rating };
    },
    openTags: (id) => wb.patch({ tagFor: id }),
    openShortcuts: () => wb.patch({ shortcuts: true }),
    version: snap.entries,
  });

  const onSaveSettings = async (settings: Settings) => {
    const reply = await run({ type: 'saveSettings', settings }, 'Settings saved');
    if (reply.ok) closeSettings();
  };

  const tasks = useDataTasks({ ...services, addError, showToast });
  const { source: insights, prices } = useInsightsSource(services.insights, snap.firstRowsReady);
  const openInsights = () => {
    setView((v) => (v === 'insights' ? 'history' : 'insights'));
    void send({ type: 'refreshSpend' });
  };

  const onSyncNow = async () => {
    setSyncBusy(true);
    try {
      await run({ type: 'syncNow' }, (reply) => reply.message ?? 'Sync started');
    } finally {
      setSyncBusy(false);
    }
  };

  const { onPairStart, onPairConfirm } = pairingActions(send, setError, showToast);

  const onCopyCommand = (command: string) =>
    services.copyText(command).then(
      () => showToast('Command copied: paste it in a terminal'),
      (error: unknown) => addError(errorMessage(error)),
    );
  // The key goes to the background once, in the intent; the reply carries the companion's refusal, never the key.
  const keyIntent = async (intent: IntentInput) => {
    const reply = await send(intent);
    if (reply.ok && reply.message) showToast(reply.message);
    return reply.ok ? null : reply.error;
  };
  const onSaveKey = (apiKey: string) => keyIntent({ type: 'setApiKey', apiKey });

  const onClear = async () => {
    setConfirmClear(false);
    await run({ type: 'clearHistory' }, 'History cleared. The companion kept job_history.json.backup.');
  };

  const banner = bannerMessages(errors, snap, dismissed);
  const dismiss = (id: string) => (isStorageReport(id) ? setDismissed((s) => new Set(s).add(id)) : setError(id, null));

  const pending = snap.outboxLength === null ? null : snap.outboxLength + (snap.stats?.idle ?? 0);
  const total = snap.phase === 'full' ? snap.entries.length : Math.max(snap.stats?.total ?? 0, snap.entries.length);

  const panel = (
    <div class="app">
      <header class="app-header">
        <PixelLogo />
        <h1>PixelLab</h1>
        <span class="header-sub">side panel</span>
        <HeaderActions
          insightsOpen={view === 'insights'}
          onInsights={openInsights}
          trash={<TrashButton count={trashed.count} open={view === 'trash'} onToggle={trashed.toggle} />}
          onOpenInTab={
            services.openInTab &&
            (() => services.openInTab?.().catch((error: unknown) => addError(errorMessage(error))))
          }
          data={
            <DataTools
              onExportJson={() => void tasks.exportAs('json')}
              onExportCsv={() => void tasks.exportAs('csv')}
              onImport={(file) => void tasks.importFile(file)}
              onClearHistory={() => setConfirmClear(true)}
              busy={tasks.task === 'ledger' ? null : tasks.task}
            />
          }
          sync={<SyncNowButton sync={snap.sync} onSyncNow={() => void onSyncNow()} busy={syncBusy} />}
          gearRef={gearRef}
          settingsOpen={settingsOpen}
          onSettings={() => setSettingsOpen((o) => !o)}
        />
        <StatusBar
          sync={snap.sync}
          pending={pending}
          onSyncNow={() => void onSyncNow()}
          busy={syncBusy}
          onPairStart={onPairStart}
          onPairConfirm={onPairConfirm}
          pairPageUrl={`${snap.settings.companionUrl.replace(/\/+$/, '')}/pair`}
          syncButton={false}
        />
      </header>
      {settingsOpen && (
        <SettingsPanel id="settings-panel" settings={snap.settings} onSave={onSaveSettings} onClose={closeSettings}>
          <KeySettings
            source={snap.sync.online ? snap.sync.apiKeySource : null}
            onSaveKey={onSaveKey}
            onRemoveKey={() => keyIntent({ type: 'removeApiKey' })}
          />
        </SettingsPanel>
      )}
      <ErrorBanner errors={banner} onDismiss={dismiss} />
      {snap.phase !== 'loading' && (
        <CompanionGuide
          sync={snap.sync}
          panelApiVersion={COMPANION_API_VERSION}
          onCopy={(command) => void onCopyCommand(command)}
          onSaveKey={onSaveKey}
        />
      )}
      <div ref={formRef}>
        <GenerateForm
          onGenerate={form.onGenerate}
          prefill={prefill}
          reference={form.reference}
          onImportImage={form.importImage}
          imageUrl={data.getImage}
          onDraftChange={wb.onDraftChange}
          askAboveUsd={snap.settings.askAboveUsd}
          estimateUsd={
            prices ? (width, height) => estimateCallUsd(prices, { kind: 'generate', width, height }).usd : undefined
          }
        />
      </div>
      {/* Search, filter and the history's data in one line: the history keeps most of the panel. */}
      <div class="tools-line">
        <SearchBar
          {...{ query, boards, runBoard: run }}
          onQuery={setQuery}
          countId="job-count"
          facets={find.facets}
          onFiltersOpen={find.prepareColours}
        />
      </div>
      {view === 'history' && (
        <SelectionBar
          find={find}
          services={services}
          notices={{ addError, showToast }}
          boards={boards}
          onExport={(ids) => wb.patch({ exportIds: ids })}
          onCompare={wb.compare}
        />
      )}
      <div class="list-area">
        {view === 'insights' ? (
          <InsightsSlot
            source={insights}
            range={range}
            onRange={setRange}
            entries={snap.phase === 'full' ? snap.entries : null}
            narrowed={narrowed ? filtered : null}
            pending={narrowed && snap.phase !== 'full'}
            narrowedLabel={narrowed ? find.label : null}
            spend={snap.sync.spend}
            reason={query.reason}
            onReason={(picked) => {
              setQuery({ ...query, reason: picked });
              if (picked) setView('history');
            }}
            onExportLedger={(span) => void tasks.exportLedger(span)}
            exporting={tasks.task === 'ledger'}
            onClose={() => setView('history')}
          />
        ) : view === 'trash' ? (
          <TrashView {...trashed.view} />
        ) : (
          <div class="job-list-select" {...find.gestures}>
            <JobList
              entries={rows}
              isSelected={(id) => selection.ids.value.has(id)}
              getJob={data.getJob}
              getImage={data.getImage}
              isImageAbsent={data.isImageAbsent}
              actions={rowActions}
              onVisibleIds={(ids) => void data.ensureRows(ids)}
              loading={snap.phase === 'loading' || (narrowed && snap.phase !== 'full')}
              filtered={narrowed}
              caption={snap.phase === 'loading' ? undefined : listCaption(filtered.length, total, narrowed)}
              captionId="job-count"
              resetKey={find.resetKey}
              prefs={viewPrefs}
              onPrefs={setViewPrefs}
              summary={<ListSummary stats={snap.stats} queue={queue} />}
              onTriage={triage}
              stacks={stacked.stacks}
              onToggleStack={stacked.toggle}
            />
          </div>
        )}
        {/* Over the list's caption line: no button under it, and it lets clicks through. */}
        <Toast message={toast} />
        <UndoToast notice={trashed.undo} onDismiss={trashed.closeUndo} />
      </div>
      <MenuHost />
      <WorkbenchLayer
        wb={wb}
        rows={rows}
        entries={snap.entries}
        data={data}
        actions={detailActions}
        nameOf={nameOf}
        onAddTags={onAddTags}
        onFindColour={find.findColour}
      />
      <ConfirmDialog
        open={confirmClear}
        title="Clear history?"
        confirmLabel="Yes, clear history"
        danger
        onConfirm={() => void onClear()}
        onCancel={() => setConfirmClear(false)}
      >
        <p>This removes every job from this browser and from the companion.</p>
        <p>
          The companion keeps a backup of the previous file, <code>job_history.json.backup</code>, so you can restore
          it.
        </p>
      </ConfirmDialog>
    </div>
  );
  const withDevices = <DevicesProvider status={snap.sync.deviceSync}>{panel}</DevicesProvider>;
  return <RecordsContext.Provider value={data.records}>{withDevices}</RecordsContext.Provider>;
}
