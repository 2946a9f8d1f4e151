import { type GenerationMode, TIER_AREA, type Tier, tierProblem, tierRefusing } from '../../utils/domain';
import type { SettingsStore } from '../store/settings-store';
import { isSizeRefusal } from './errors';

/**
 * The user's PixelLab plan, which caps the pixflux area (200², 320², 400²): set by the user in the panel, or learned
 * when PixelLab refuses a size, and checked before paying. Unknown, nothing is refused here and PixelLab decides.
 */
export interface PixelLabPlan {
  readonly tier: Tier | null;
  readonly source: 'user' | 'learned' | null;
  /** The user's own setting (null: unknown). */
  set(tier: Tier | null): Promise<void>;
  /** Learns a lower tier from PixelLab's refusal of this size; the tier it learned, or null. */
  learnFrom(err: unknown, mode: GenerationMode, width: number, height: number): Promise<Tier | null>;
  /** Why the plan would refuse this size, or null. */
  problem(mode: GenerationMode, width: number, height: number): string | null;
}

export function createPixelLabPlan(settings: SettingsStore, log: (line: string) => void = () => {}): PixelLabPlan {
  const current = () => settings.read().pixellab;
  const save = (tier: Tier | null, source: 'user' | 'learned' | null) =>
    settings.write({ ...settings.read(), pixellab: { tier, tierSource: source } });
  return {
    get tier() {
      return current().tier;
    },
    get source() {
      return current().tierSource;
    },
    set: (tier) => save(tier, tier === null ? null : 'user'),
    async learnFrom(err, mode, width, height) {
      if ((mode !== 'pixflux' && mode !== 'character') || !isSizeRefusal(err)) return null;
      const refused = tierRefusing(width * height);
      const known = current().tier;
      if (refused === null || (known !== null && TIER_AREA[known] <= TIER_AREA[refused])) return null;
      log(`PixelLab refused ${width}x${height}: your plan allows at most ${Math.sqrt(TIER_AREA[refused])}² pixels`);
      await save(refused, 'learned').catch((e: unknown) => log(`Could not save the learned plan: ${String(e)}`));
      return refused;
    },
    problem: (mode, width, height) => tierProblem(current().tier, mode, width, height),
  };
}
