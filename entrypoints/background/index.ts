export default defineBackground(() => {
  // Wired in the extension issue: history store, sync engine, intent handlers.
});
