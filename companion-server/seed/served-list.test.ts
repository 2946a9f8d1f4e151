import { describe, expect, it } from 'vitest';
import { fingerprint } from './load-stream';
import { ServedList } from './served-list';

describe('ServedList', () => {
  it('gives back each row by id and by text fingerprint, past its first capacity', () => {
    const list = new ServedList(2);
    const fps: string[] = [];
    for (let i = 0; i < 100; i++) {
      fps.push(fingerprint(`{"id":"job-${i}"}`));
      list.push(`job-${i}`, 1000 + i, 1_700_000_000_000 + i * 0.5, fps[i]!);
    }
    expect(list.length).toBe(100);
    for (const i of [0, 1, 17, 99]) {
      expect(list.idAt(i)).toBe(`job-${i}`);
      expect(list.seqAt(i)).toBe(1000 + i);
      expect(list.birthAt(i)).toBe(String(1_700_000_000_000 + i * 0.5));
      expect(list.fpAt(i)).toBe(fps[i]);
      expect(list.indexOfId(`job-${i}`)).toBe(i);
      expect(list.indexOfFp(fps[i]!)).toBe(i);
    }
    expect(list.indexOfId('job-100')).toBe(-1);
    expect(list.indexOfFp(fingerprint('another text'))).toBe(-1);
    expect(list.indexOfFp('not hex')).toBe(-1);
  });

  it('tells apart fingerprints that share their first four bytes', () => {
    const list = new ServedList();
    const a = `abcdef01${'0'.repeat(32)}`;
    const b = `abcdef01${'1'.repeat(32)}`;
    list.push('job-a', 1, 1, a);
    list.push('job-b', 2, 2, b);
    expect(list.indexOfFp(b)).toBe(1);
    expect(list.indexOfFp(a)).toBe(0);
    expect(list.indexOfFp(`abcdef01${'2'.repeat(32)}`)).toBe(-1);
  });
});
