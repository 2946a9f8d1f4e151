// Preloaded into a model companion (NODE_OPTIONS=--import): device sync reads a remote target only at its 5 s poll
// (DEFAULT_POLL_MS), so that one interval runs every MODEL_SYNC_POLL_MS instead; a model run then heals in seconds.
const poll = Number(process.env.MODEL_SYNC_POLL_MS ?? 0);
if (Number.isFinite(poll) && poll > 0) {
  const real = globalThis.setInterval;
  globalThis.setInterval = (callback, delay, ...args) => real(callback, delay === 5000 ? poll : delay, ...args);
}
