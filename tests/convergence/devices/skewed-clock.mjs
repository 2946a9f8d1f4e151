// Preloaded into a model companion (NODE_OPTIONS=--import) to set its machine's clock off by
// MODEL_CLOCK_SKEW_MS: Date.now is what the store's hybrid logical clock, the runner and device sync read.
const skew = Number(process.env.MODEL_CLOCK_SKEW_MS ?? 0);
if (Number.isFinite(skew) && skew !== 0) {
  const real = Date.now;
  Date.now = () => real() + skew;
}
