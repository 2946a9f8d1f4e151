/**
 * The defects the convergence model found, each as the smallest operation sequence that shows it (shrunk by
 * fast-check, then trimmed by hand). Each test states the rule that must hold; it fails until the defect is
 * fixed. README.md ("Defects found") names the code at fault and the fix recommended.
 */
import { describe, it } from 'vitest';
import { type Op, runScenario } from './model';

const none = { kind: 'none' } as const;
/** Runs the scenario, heals every replica and checks every rule (runScenario throws the broken one). */
const holds = async (store: 'file' | 'memory', ops: Op[]) => {
  await runScenario(store, { seed: 1, ops });
};

describe('images: every replica holds the image of every finished job it shows', () => {
  it('a push answer carrying a newer, finished version brings its image along', async () => {
    // A renames a failed job while B's retry of it runs; the run's success reaches A in its push answer.
    await holds('file', [
      { op: 'create', r: 0, count: 1, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'runnerFinish', pick: 0, ok: false, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'sync', r: 1, fault: none, dt: 1 },
      { op: 'retry', r: 1, pick: 0, dt: 1 },
      { op: 'sync', r: 1, fault: none, dt: 1 },
      { op: 'edit', r: 0, pick: 0, dt: 1 },
      { op: 'runnerFinish', pick: 0, ok: true, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
    ]);
  });

  it('a submit answer for a job that already finished brings its image along', async () => {
    // B's create reached the companion but its answer was lost; the job ran; B submits it again.
    await holds('file', [
      { op: 'create', r: 1, count: 1, dt: 1 },
      { op: 'sync', r: 1, fault: { kind: 'dropSubmit' }, dt: 1 },
      { op: 'runnerFinish', pick: 0, ok: true, dt: 1 },
    ]);
  });

  it('a job pulled before its image was uploaded gets the image once it is there', async () => {
    // B's push is applied but its answer is lost, so B has not sent the image yet when A pulls the job.
    await holds('file', [
      { op: 'create', r: 1, count: 1, dt: 1 },
      { op: 'markDone', r: 1, pick: 0, dt: 1 },
      { op: 'sync', r: 1, fault: { kind: 'dropPush' }, dt: 1 },
    ]);
  });
});

describe('liveness: no job is left queued, running or waiting with nobody to run it', () => {
  it('a queued job pushed to a fresh companion (new serverId) is run', async () => {
    await holds('memory', [
      { op: 'create', r: 0, count: 1, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'wipe', dt: 1 },
    ]);
  });

  it('a running job pushed to a fresh companion is run again or marked interrupted', async () => {
    await holds('memory', [
      { op: 'create', r: 0, count: 1, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'runnerStart', pick: 0, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'wipe', dt: 1 },
    ]);
  });

  it("a job retried within the same millisecond as its creation is queued, not pushed back as 'idle'", async () => {
    // The local 'idle' version ends up newer than the companion's 'queued' answer and is pushed over it.
    await holds('file', [
      { op: 'create', r: 1, count: 1, dt: 1 },
      { op: 'retry', r: 1, pick: 0, dt: 0 },
    ]);
  });

  it("a failed job retried twice in one millisecond is queued, not pushed back as 'idle'", async () => {
    await holds('file', [
      { op: 'create', r: 0, count: 1, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'runnerFinish', pick: 0, ok: false, dt: 1 },
      { op: 'sync', r: 0, fault: none, dt: 1 },
      { op: 'retry', r: 0, pick: 0, dt: 1000 },
      { op: 'retry', r: 0, pick: 0, dt: 0 },
    ]);
  });
});

describe('checkpoint: an edit made during a sync never writes over a version the sync just stored', () => {
  // B holds a job as queued; the runner finishes it; B syncs and the user acts on the job while the pull
  // runs. Before the fix, the delete intent read the queued version, the page stored the success, and the
  // tombstone (stamped from the queued version, so older than the success) was written over it: B's
  // checkpoint covered a version it no longer held. The window was delays 129 to 139 of about 300; every
  // delay is tried, so a change in how many turns a sync takes cannot move the window out of the test.
  const scenario = (delay: number): Op[] => [
    { op: 'create', r: 0, count: 1, dt: 1000 },
    { op: 'sync', r: 0, fault: none, dt: 1000 },
    { op: 'sync', r: 1, fault: none, dt: 0 },
    { op: 'runnerFinish', pick: 0, ok: true, dt: 0 },
    { op: 'race', r: 1, delay, local: { op: 'delete', pick: 0 }, dt: 0 },
  ];

  it('a delete made at any moment of a pull that brings a newer version buries that version', async () => {
    // Replay of the fresh seed that found it: memory store, seed=-1234817069 (tests/convergence/README.md).
    for (let delay = 0; delay <= 400; delay++) await holds('memory', scenario(delay));
  }, 120_000);
});
