/**
 * What one `/load-jobs` served, job by job, in columns: the id (the store's own string), the seq, the birth and
 * the sha-1 of the text. A client record and the next save's matching read it; at 100,000 jobs it is about
 * 5 MB, where an object and a Map entry per job (what it replaced) held about 40 MB.
 */
const FP_BYTES = 20;

export class ServedList {
  private ids: string[] = [];
  private seqs: Float64Array;
  private births: Float64Array;
  private fps: Buffer;
  private count = 0;
  /** Built on first use (by a save), never during a load. */
  private byId: Map<string, number> | null = null;
  private byFp: { keys: Uint32Array; rows: Uint32Array } | null = null;

  constructor(capacity = 0) {
    const room = Math.max(16, capacity);
    this.seqs = new Float64Array(room);
    this.births = new Float64Array(room);
    this.fps = Buffer.alloc(room * FP_BYTES);
  }

  get length(): number {
    return this.count;
  }

  /** `createdAt` is the job's birth (birthOf), `fp` the hex sha-1 of its text as served. */
  push(id: string, seq: number, createdAt: number, fp: string): void {
    if (this.count === this.seqs.length) this.grow();
    const i = this.count++;
    this.ids.push(id);
    this.seqs[i] = seq;
    this.births[i] = createdAt;
    this.fps.write(fp, i * FP_BYTES, FP_BYTES, 'hex');
    this.byId = null;
    this.byFp = null;
  }

  idAt(i: number): string {
    return this.ids[i]!;
  }
  seqAt(i: number): number {
    return this.seqs[i]!;
  }
  /** As birthOf gives it. */
  birthAt(i: number): string {
    return String(this.births[i]);
  }
  fpAt(i: number): string {
    return this.fps.toString('hex', i * FP_BYTES, (i + 1) * FP_BYTES);
  }

  /** The row serving this id, or -1. */
  indexOfId(id: string): number {
    if (!this.byId) {
      this.byId = new Map();
      for (let i = 0; i < this.count; i++) this.byId.set(this.ids[i]!, i);
    }
    return this.byId.get(id) ?? -1;
  }

  /** The row whose text had this hex sha-1, or -1: a binary search on the first 4 bytes, then a memcmp. */
  indexOfFp(fp: string): number {
    const want = Buffer.from(fp, 'hex');
    if (want.length !== FP_BYTES) return -1;
    const { keys, rows } = this.fpIndex();
    const key = want.readUInt32BE(0);
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < keys.length && keys[j] === key; j++) {
      const row = rows[j]!;
      if (this.fps.compare(want, 0, FP_BYTES, row * FP_BYTES, (row + 1) * FP_BYTES) === 0) return row;
    }
    return -1;
  }

  private fpIndex() {
    if (this.byFp) return this.byFp;
    const prefix = new Uint32Array(this.count);
    for (let i = 0; i < this.count; i++) prefix[i] = this.fps.readUInt32BE(i * FP_BYTES);
    const rows = new Uint32Array(this.count).map((_, i) => i).sort((a, b) => prefix[a]! - prefix[b]!);
    this.byFp = { keys: rows.map((row) => prefix[row]!), rows };
    return this.byFp;
  }

  private grow(): void {
    const room = this.seqs.length * 2;
    const seqs = new Float64Array(room);
    seqs.set(this.seqs);
    const births = new Float64Array(room);
    births.set(this.births);
    const fps = Buffer.alloc(room * FP_BYTES);
    this.fps.copy(fps);
    [this.seqs, this.births, this.fps] = [seqs, births, fps];
  }
}
