import type { JSX } from 'preact';

/** Small stroke icons; decorative, so hidden from assistive tech (their buttons carry the names). */
function Icon({ children, size = 16 }: { children: JSX.Element | JSX.Element[]; size?: number }) {
  return (
    <svg
      class="icon"
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {children}
    </svg>
  );
}

export const RetryIcon = () => (
  <Icon>
    <path d="M13 8a5 5 0 1 1-1.5-3.6" />
    <path d="M12 1.8v3h-3" />
  </Icon>
);
export const RotateIcon = () => (
  <Icon>
    <path d="M3 8a5 5 0 0 1 8.6-3.5L13 6" />
    <path d="M13 2.5V6H9.5" />
    <rect x="6" y="8" width="4" height="4" />
  </Icon>
);
export const EightIcon = () => (
  <Icon>
    <path d="M8 1.5v13M1.5 8h13M3.4 3.4l9.2 9.2M12.6 3.4l-9.2 9.2" />
  </Icon>
);
export const DownloadIcon = () => (
  <Icon>
    <path d="M8 2v8M4.5 6.8 8 10.2l3.5-3.4M2.5 13.5h11" />
  </Icon>
);
export const CopyIcon = () => (
  <Icon>
    <rect x="5.5" y="5.5" width="8" height="8" rx="1" />
    <path d="M10.5 3V2.5a1 1 0 0 0-1-1h-7a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1H3" />
  </Icon>
);
export const ReuseIcon = () => (
  <Icon>
    <path d="M6 3 2.5 6.5 6 10" />
    <path d="M2.5 6.5H10a3.5 3.5 0 0 1 0 7H7" />
  </Icon>
);
export const DeleteIcon = () => (
  <Icon>
    <path d="M2.5 4h11M6.5 4V2.5h3V4M4 4l.7 9.5h6.6L12 4" />
  </Icon>
);
export const SyncIcon = () => (
  <Icon>
    <path d="M2.5 7a5.5 5.5 0 0 1 9.8-2.6M13.5 9a5.5 5.5 0 0 1-9.8 2.6" />
    <path d="M12.8 1.8v2.9H10M3.2 14.2v-2.9H6" />
  </Icon>
);
export const GearIcon = () => (
  <Icon>
    <circle cx="8" cy="8" r="2.2" />
    <path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4" />
  </Icon>
);
export const CloseIcon = () => (
  <Icon>
    <path d="M3.5 3.5l9 9M12.5 3.5l-9 9" />
  </Icon>
);
export const MoreIcon = () => (
  <Icon>
    <path d="M3.5 8h.01M8 8h.01M12.5 8h.01" stroke-width="2.4" />
  </Icon>
);
export const GridIcon = () => (
  <Icon>
    <path d="M2.5 2.5h4v4h-4zM9.5 2.5h4v4h-4zM2.5 9.5h4v4h-4zM9.5 9.5h4v4h-4z" />
  </Icon>
);
export const ListIcon = () => (
  <Icon>
    <path d="M2.5 3.5h2M6.5 3.5h7M2.5 8h2M6.5 8h7M2.5 12.5h2M6.5 12.5h7" />
  </Icon>
);
export const TabIcon = () => (
  <Icon>
    <path d="M9.5 2.5h4v4M13.5 2.5L8 8M11.5 9.5v3.5h-9v-9H6" />
  </Icon>
);
export const ChevronIcon = () => (
  <Icon size={12}>
    <path d="M4 6l4 4 4-4" />
  </Icon>
);

/** The panel's mark: an 8x8 pixel sprite, drawn crisp at any size. */
export function PixelLogo({ size = 22 }: { size?: number }) {
  // 0 empty, 1 outline, 2 accent, 3 light
  const sprite = ['00111100', '01222210', '12322221', '12222221', '12122121', '12222221', '01211210', '00111100'];
  const fills = ['', 'var(--logo-outline)', 'var(--accent)', 'var(--logo-light)'];
  const rects: JSX.Element[] = [];
  sprite.forEach((row, y) => {
    [...row].forEach((cell, x) => {
      const n = Number(cell);
      if (n) rects.push(<rect key={`${x}-${y}`} x={x} y={y} width="1" height="1" fill={fills[n]} />);
    });
  });
  return (
    <svg
      class="pixel-logo"
      width={size}
      height={size}
      viewBox="0 0 8 8"
      shape-rendering="crispEdges"
      aria-hidden="true"
      focusable="false"
    >
      {rects}
    </svg>
  );
}
export const PauseIcon = () => (
  <Icon>
    <path d="M5.5 3.5v9M10.5 3.5v9" />
  </Icon>
);
export const PlayIcon = () => (
  <Icon>
    <path d="M5 3.2v9.6L12.5 8z" />
  </Icon>
);
