import { QueueToggle } from '@/components/QueueControls';
import { StatsBar, type StatsBarProps } from '@/components/StatsBar';

/** The list's caption line after its count: the stats, folded, and the queue's pause. */
export function ListSummary({
  stats,
  queue,
}: {
  stats: StatsBarProps['stats'];
  queue: { paused: boolean; waiting: number; togglePause(): void };
}) {
  return (
    <>
      <StatsBar stats={stats} compact />
      <QueueToggle paused={queue.paused} waiting={queue.waiting} onToggle={queue.togglePause} />
    </>
  );
}
