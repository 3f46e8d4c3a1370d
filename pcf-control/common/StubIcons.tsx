/**
 * Small inline SVG icons. The control does not depend on an icon font being registered by the host
 * (nor on a CDN), so its icons also show in the offline harness and the local preview.
 * Icons are decorative: every one stands next to text that says the same.
 */
import * as React from 'react';

export type StubIconName =
  | 'pending'
  | 'hydrated'
  | 'abandoned'
  | 'unknown'
  | 'stale'
  | 'refresh'
  | 'request'
  | 'first'
  | 'previous'
  | 'next'
  | 'checkOff'
  | 'checkOn'
  | 'error'
  | 'dismiss';

const paths: Record<StubIconName, string> = {
  // clock
  pending: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm0 1.5a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11zM7.25 4v4.4l3 1.8.75-1.25-2.25-1.35V4z',
  // check in a circle
  hydrated: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm3.2 4.2 1.05 1.05L7 11.5 3.75 8.25 4.8 7.2 7 9.4z',
  // slashed circle
  abandoned: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm0 1.5c1.3 0 2.5.45 3.45 1.2l-7.75 7.75A5.5 5.5 0 0 1 8 2.5zm4.3 2.05A5.5 5.5 0 0 1 4.55 12.3z',
  // question in a circle
  unknown: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zm-.75 10h1.5v1.5h-1.5zM8 3.5a2.5 2.5 0 0 1 .75 4.88V9.5h-1.5V7.2H8a1 1 0 1 0-1-1H5.5A2.5 2.5 0 0 1 8 3.5z',
  // warning triangle
  stale: 'M8 1.2 15.2 14H.8zm0 3L3.35 12.5h9.3zM7.25 6.5h1.5v3.2h-1.5zm0 4h1.5V12h-1.5z',
  // circular arrow
  refresh: 'M8 2.5a5.5 5.5 0 0 1 4.9 3H10.5V7H15V2.5h-1.5v1.8A7 7 0 1 0 15 8h-1.5A5.5 5.5 0 1 1 8 2.5z',
  // arrow into a tray
  request: 'M7.25 1h1.5v7.2l2.2-2.2L12 7.05 8 11.05l-4-4L5.05 6l2.2 2.2zM1.5 10H3v3.5h10V10h1.5v5h-13z',
  first: 'M3 3h1.5v10H3zm9.5.5L13.55 4.55 10.1 8l3.45 3.45-1.05 1.05L8 8z',
  previous: 'M10.5 3.5 11.55 4.55 8.1 8l3.45 3.45-1.05 1.05L6 8z',
  next: 'M5.5 3.5 10 8l-4.5 4.5-1.05-1.05L7.9 8 4.45 4.55z',
  // selection check: empty ring / filled circle with a check
  checkOff: 'M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zM8 2.75a5.25 5.25 0 1 1 0 10.5 5.25 5.25 0 0 1 0-10.5z',
  checkOn: 'M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13zm3 4.1.9.9L7 11.4 4.1 8.5l.9-.9L7 9.6z',
  // x in a circle
  error: 'M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1zM5.55 4.5 8 6.95l2.45-2.45 1.05 1.05L9.05 8l2.45 2.45-1.05 1.05L8 9.05 5.55 11.5 4.5 10.45 6.95 8 4.5 5.55z',
  // x
  dismiss: 'M3.55 2.5 8 6.95l4.45-4.45 1.05 1.05L9.05 8l4.45 4.45-1.05 1.05L8 9.05 3.55 13.5 2.5 12.45 6.95 8 2.5 3.55z',
};

export interface StubIconProps {
  name: StubIconName;
  color?: string;
  size?: number;
}

export const StubIcon: React.FC<StubIconProps> = ({ name, color, size = 16 }) => (
  <svg
    width={size}
    height={size}
    viewBox="0 0 16 16"
    aria-hidden="true"
    focusable="false"
    data-icon={name}
    style={{ flexShrink: 0, fill: color ?? 'currentColor' }}
  >
    <path fillRule="evenodd" d={paths[name]} />
  </svg>
);
