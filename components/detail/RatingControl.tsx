import type { Rating } from '@/components/detail/types';

export interface RatingControlProps {
  starred: boolean;
  rating: Rating;
  onStar(value: boolean): void;
  onRate(value: Rating): void;
  disabled?: boolean;
}

const STARS = [1, 2, 3, 4, 5] as const;

/** A star toggle and a 1-5 rating; choosing the current rating again clears it. */
export function RatingControl({ starred, rating, onStar, onRate, disabled = false }: RatingControlProps) {
  return (
    <div class="rating-control">
      <button
        type="button"
        class="btn small star-toggle"
        aria-pressed={starred ? 'true' : 'false'}
        title={starred ? 'Unstar (s)' : 'Star (s)'}
        disabled={disabled}
        onClick={() => onStar(!starred)}
      >
        <span aria-hidden="true">{starred ? '★' : '☆'}</span> Star
      </button>
      <fieldset class="rating-stars" disabled={disabled}>
        <legend class="visually-hidden">Rating</legend>
        {STARS.map((n) => (
          <button
            key={n}
            type="button"
            class="rating-star"
            aria-label={`Rate ${n}`}
            aria-pressed={rating === n ? 'true' : 'false'}
            title={rating === n ? `Rated ${n}: press to clear (${n})` : `Rate ${n} (${n})`}
            data-on={rating !== null && n <= rating ? 'true' : undefined}
            onClick={() => onRate(rating === n ? null : n)}
          >
            <span aria-hidden="true">{rating !== null && n <= rating ? '★' : '☆'}</span>
          </button>
        ))}
      </fieldset>
    </div>
  );
}
