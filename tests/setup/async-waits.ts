/**
 * testing-library's waitFor and findBy give up after 1 s by default, which a loaded 2-core CI machine can spend on
 * one storage read; a wait that succeeds returns as soon as it does, so a long limit costs only failing runs.
 * (vitest.config.ts gives expect.poll the same room.) Only DOM tests load testing-library, so the others do not.
 */
if (typeof document !== 'undefined') {
  const { configure } = await import('@testing-library/preact');
  configure({ asyncUtilTimeout: 10_000 });
}

export {};
