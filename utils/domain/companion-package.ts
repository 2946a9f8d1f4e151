/**
 * The companion as users install it: one npm package, one name, in the panel's commands, the README and the
 * package's package.json (tests/package checks they agree).
 */
export const COMPANION_PACKAGE_NAME = 'pixellab-companion';

/**
 * The HTTP API the companion speaks, reported as `apiVersion` in /health. Bump it when a panel needs a route or
 * a shape an older companion lacks; a panel that sees a lower number shows COMPANION_UPDATE_COMMAND.
 * 2: the key routes (PUT/DELETE /api/v1/key), the pairing page (/pair) and `/pair/claim`.
 */
export const COMPANION_API_VERSION = 2;

/** Starts the companion in a terminal, from any folder, with Node 20. */
export const COMPANION_START_COMMAND = `npx ${COMPANION_PACKAGE_NAME}`;
/** Registers it to start at login (a systemd user unit, a launchd agent, a Task Scheduler task). */
export const COMPANION_SERVICE_COMMAND = `npx ${COMPANION_PACKAGE_NAME} service install`;
/** Gets the newest companion; running `service install` again replaces the installed copy the service starts. */
export const COMPANION_UPDATE_COMMAND = `npx ${COMPANION_PACKAGE_NAME}@latest service install`;

/** True when the companion speaks an older API than this panel needs (a missing apiVersion counts as 0). */
export function companionNeedsUpdate(
  health: { apiVersion?: number | undefined },
  panelApiVersion: number = COMPANION_API_VERSION,
): boolean {
  return (health.apiVersion ?? 0) < panelApiVersion;
}
