// Preloaded into a model companion (NODE_OPTIONS=--import): device sync reads a remote target only at its poll, 5 s
// while passes find something and 8 s once idle (DEFAULT_POLL_MS, REMOTE_IDLE_POLL_MS: a setTimeout armed after each
// pass), so those two delays run every MODEL_SYNC_POLL_MS instead; a model run then heals in seconds. (Patching
// setInterval, as before the idle backoff, no longer reached the poll: the model's companions polled at 5-8 s.)
const poll = Number(process.env.MODEL_SYNC_POLL_MS ?? 0);
if (Number.isFinite(poll) && poll > 0) {
  const real = globalThis.setTimeout;
  const polls = new Set([5000, 8000]);
  globalThis.setTimeout = Object.assign(
    (callback, delay, ...args) => real(callback, polls.has(delay) ? poll : delay, ...args),
    real,
  );
}
