// Neither package ships types; these are the parts scripts/lint-firefox.ts calls.
declare module 'addons-linter' {
  export function createInstance(options: { config: object; runAsBinary: boolean }): {
    run(options: { _console: Console }): Promise<unknown>;
  };
}
declare module 'web-ext' {
  const webExt: { cmd: { lint(params: object, options: object): Promise<unknown> } };
  export default webExt;
}
