import { addDays, type InsightsRange } from '@/utils/insights/summary';

const PRESETS: Array<{ range: '7d' | '30d' | 'all'; label: string }> = [
  { range: '7d', label: '7 days' },
  { range: '30d', label: '30 days' },
  { range: 'all', label: 'All' },
];

export interface RangePickerProps {
  range: InsightsRange;
  onRange(range: InsightsRange): void;
  /** Today, `YYYY-MM-DD`: where a custom range starts from. */
  today: string;
}

/** 7 days, 30 days, all, or two days of the user's choosing (inclusive). */
export function RangePicker({ range, onRange, today }: RangePickerProps) {
  const custom = typeof range === 'object' ? range : null;
  return (
    <div class="range-picker">
      <div class="segmented" role="radiogroup" aria-label="Range">
        {PRESETS.map((p) => (
          <button
            key={p.range}
            type="button"
            role="radio"
            aria-checked={range === p.range ? 'true' : 'false'}
            onClick={() => onRange(p.range)}
          >
            {p.label}
          </button>
        ))}
        <button
          type="button"
          role="radio"
          aria-checked={custom ? 'true' : 'false'}
          onClick={() => onRange(custom ?? { from: addDays(today, -29), to: today })}
        >
          Custom
        </button>
      </div>
      {custom && (
        <div class="range-dates">
          <label>
            From
            <input
              type="date"
              value={custom.from}
              max={custom.to}
              onChange={(e) => e.currentTarget.value && onRange({ ...custom, from: e.currentTarget.value })}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={custom.to}
              min={custom.from}
              onChange={(e) => e.currentTarget.value && onRange({ ...custom, to: e.currentTarget.value })}
            />
          </label>
        </div>
      )}
    </div>
  );
}
