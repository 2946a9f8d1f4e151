import { compareHlc, type Versioned, versionOf } from '../../utils/domain';

/** Whether `a` is a later version than `b` by the clock (updatedAt, counter, node). */
export function isLater(a: Versioned, b: Versioned): boolean {
  return compareHlc(versionOf(a), versionOf(b)) > 0;
}
