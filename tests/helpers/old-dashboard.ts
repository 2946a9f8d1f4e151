/**
 * A faithful stand-in for one tab of the old dashboard (dashboards/js/state.js and jobQueue.js of the old system,
 * read there, not copied): what it sends is what matters here.
 * - It never loads from the server: with localStorage, `loadFromServer` runs before `this.state` exists and
 *   throws (swallowed); without, it does not try. So a tab starts from its origin's localStorage.
 * - Every change (add, update, remove, clear) saves the tab's whole in-memory list with `POST /save-jobs`
 *   `{jobs, lastJobId}`, and writes it to localStorage. Two tabs share localStorage, not memory.
 * - It mints ids `job-N` from its own counter (localStorage's `lastJobId` when it opened, or 1).
 * - Jobs are created in its Job class's key order; a run stores `/generate-character`'s whole answer as `result`.
 */
export type Send = (path: string, body: unknown) => Promise<{ status: number; body: any }>;

export interface DashboardJob {
  id: string;
  prompt: string;
  width: number;
  height: number;
  seed: number | null;
  status: string;
  result: unknown;
  error: string | null;
  startTime: number | null;
  endTime: number | null;
  duration: number | null;
  createdAt: number;
  [key: string]: unknown;
}

/** One origin's localStorage, shared by its tabs. */
export class DashboardStorage {
  text: string | null = null;
}

export class DashboardTab {
  jobs: DashboardJob[];
  counter: number;
  readonly answers: { status: number; body: any }[] = [];

  constructor(
    private readonly send: Send,
    private readonly storage: DashboardStorage,
    private readonly clock: () => number,
  ) {
    const stored = storage.text ? (JSON.parse(storage.text) as { jobs: DashboardJob[]; lastJobId?: number }) : null;
    this.jobs = stored?.jobs ?? [];
    this.counter = stored?.lastJobId || 1;
  }

  private async save() {
    const data = { jobs: this.jobs, lastJobId: this.counter };
    this.storage.text = JSON.stringify({ ...data, savedAt: new Date(this.clock()).toISOString() });
    const answer = await this.send('/save-jobs', data);
    this.answers.push(answer);
    return answer;
  }

  async add(prompt: string, size = 64): Promise<DashboardJob> {
    const job: DashboardJob = {
      id: `job-${this.counter++}`,
      prompt,
      width: size,
      height: size,
      seed: null,
      status: 'idle',
      result: null,
      error: null,
      startTime: null,
      endTime: null,
      duration: null,
      createdAt: this.clock(),
    };
    this.jobs.push(job);
    await this.save();
    return job;
  }

  async update(id: string, updates: Partial<DashboardJob>) {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) throw new Error(`tab has no ${id}`);
    Object.assign(job, updates);
    return this.save();
  }

  /** Run a job as jobQueue.runJob does: running, then /generate-character, then success (or error). */
  async run(id: string) {
    const job = this.jobs.find((j) => j.id === id)!;
    const startTime = this.clock();
    await this.update(id, { status: 'running', startTime });
    const answer = await this.send('/generate-character', { prompt: job.prompt, width: job.width, height: job.height });
    const endTime = this.clock();
    if (answer.status === 200 && answer.body.status === 'success') {
      return this.update(id, {
        status: 'success',
        result: answer.body,
        endTime,
        duration: (endTime - startTime) / 1000,
      });
    }
    return this.update(id, { status: 'error', error: String(answer.body.error_message), endTime });
  }

  async remove(id: string) {
    this.jobs = this.jobs.filter((j) => j.id !== id);
    return this.save();
  }

  async clearAll() {
    this.jobs = [];
    return this.save();
  }
}

/** A dashboard tab talking to a running companion over loopback (no Origin, as a served page's script here). */
export function dashboardOn(
  c: { url: string },
  storage = new DashboardStorage(),
  /** Its `Date.now()` (createdAt, startTime): a test gives two devices' dashboards births apart. */
  clock: () => number = Date.now,
): DashboardTab {
  const send: Send = async (p, body) => {
    const res = await fetch(c.url + p, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  return new DashboardTab(send, storage, clock);
}
