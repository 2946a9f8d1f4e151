import { describe, expect, it } from 'vitest';
import { type CostRow, estimateCallUsd, ledgerCsv, ledgerQuerySchema } from './spend';

describe('the cost estimate before paying', () => {
  const prices = {
    'generate:64x64': { usd: 0.01, at: 10 },
    'generate:32x32': { usd: 0.004, at: 20 },
    'rotate:64x64': { usd: 0.02, at: 5 },
  };
  it('takes the newest price of the same kind and size', () => {
    expect(estimateCallUsd(prices, { kind: 'generate', width: 64, height: 64 })).toEqual({
      usd: 0.01,
      basis: 'same size',
    });
  });
  it('else scales the newest price of the same kind by area', () => {
    expect(estimateCallUsd(prices, { kind: 'generate', width: 64, height: 32 })).toEqual({
      usd: 0.008,
      basis: 'scaled',
    });
  });
  it('else assumes a small sprite', () => {
    expect(estimateCallUsd(prices, { kind: 'animate', width: 64, height: 64 })).toEqual({
      usd: 0.01,
      basis: 'default',
    });
  });
});

describe('the ledger as CSV', () => {
  const row = (extra: Partial<CostRow>): CostRow => ({
    at: Date.UTC(2025, 5, 1, 12),
    jobId: 'job-1',
    kind: 'generate',
    width: 64,
    height: 48,
    usd: 0.0125,
    ...extra,
  });
  it('writes one line per paid call: date, job, kind, size, usd, estimated', () => {
    expect(ledgerCsv([row({}), row({ jobId: null, usd: 1e-7, estimated: true })])).toBe(
      'date,job,kind,size,usd,estimated\r\n' +
        '2025-06-01T12:00:00.000Z,job-1,generate,64x48,0.0125,false\r\n' +
        '2025-06-01T12:00:00.000Z,,generate,64x48,0,true\r\n',
    );
  });
  it('never writes a cell a spreadsheet would run as a formula', () => {
    const csv = ledgerCsv([row({ jobId: '-2+3' as string })]);
    expect(csv).toContain(",'-2+3,");
  });
  it('reads the query: numbers from the URL, `from` not after `to`', () => {
    expect(ledgerQuerySchema.parse({ from: '5', to: '9' })).toEqual({ from: 5, to: 9, format: 'json' });
    expect(ledgerQuerySchema.safeParse({ from: '9', to: '5' }).success).toBe(false);
  });
});
