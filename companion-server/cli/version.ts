import packageJson from '../package/package.json' with { type: 'json' };

/** The package's version, from its package.json (the bundle inlines it), so there is one place to bump it. */
export const COMPANION_VERSION: string = packageJson.version;
/** The command users type: the package's bin. */
export const COMPANION_BIN: string = Object.keys(packageJson.bin)[0]!;
