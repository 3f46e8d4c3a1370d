/**
 * Draws connector/icon.png: 230×230, the brand colour as a solid opaque background (RGB PNG, no
 * alpha channel) and a white glyph about 160 px wide: a ring holding a check mark ("ensured").
 * Pure function of the brand colours, so the same bytes come out every time.
 * `tsx connector/tools/icon.ts [<output file>]` writes it (default connector/icon.png).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { BRAND_COLOR, GLYPH_COLOR, rgbOf } from './brand';
import { ICON_SIZE } from './rules/icon';

type Point = readonly [number, number];

const CENTER: Point = [ICON_SIZE / 2, ICON_SIZE / 2];
const RING_OUTER = 80;
const RING_INNER = 67;
const CHECK: readonly Point[] = [
  [77, 118],
  [103, 144],
  [154, 91],
];
const CHECK_HALF_WIDTH = 8;
/** Sub-samples per pixel side, for anti-aliased edges. */
const SUPERSAMPLING = 4;

function distanceToSegment([px, py]: Point, [ax, ay]: Point, [bx, by]: Point): number {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Signed distance from the glyph's outline: negative inside the ring or the check mark. */
function glyphDistance(point: Point): number {
  const radius = Math.hypot(point[0] - CENTER[0], point[1] - CENTER[1]);
  let distance = Math.max(radius - RING_OUTER, RING_INNER - radius);
  for (let i = 0; i + 1 < CHECK.length; i++) distance = Math.min(distance, distanceToSegment(point, CHECK[i]!, CHECK[i + 1]!) - CHECK_HALF_WIDTH);
  return distance;
}

/** Share of the pixel the glyph covers; only pixels near an edge are sub-sampled. */
function coverageOf(x: number, y: number): number {
  const center = glyphDistance([x + 0.5, y + 0.5]);
  if (center > 1) return 0;
  if (center < -1) return 1;
  let covered = 0;
  for (let sy = 0; sy < SUPERSAMPLING; sy++) {
    for (let sx = 0; sx < SUPERSAMPLING; sx++) {
      if (glyphDistance([x + (sx + 0.5) / SUPERSAMPLING, y + (sy + 0.5) / SUPERSAMPLING]) <= 0) covered++;
    }
  }
  return covered / (SUPERSAMPLING * SUPERSAMPLING);
}

/** The icon as PNG bytes. */
export function renderIcon(background = BRAND_COLOR, glyph = GLYPH_COLOR): Buffer {
  const png = new PNG({ width: ICON_SIZE, height: ICON_SIZE });
  const back = rgbOf(background);
  const fore = rgbOf(glyph);
  for (let y = 0; y < ICON_SIZE; y++) {
    for (let x = 0; x < ICON_SIZE; x++) {
      const coverage = coverageOf(x, y);
      const offset = (y * ICON_SIZE + x) * 4;
      for (let channel = 0; channel < 3; channel++) {
        png.data[offset + channel] = Math.round(back[channel]! * (1 - coverage) + fore[channel]! * coverage);
      }
      png.data[offset + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType: 2 });
}

export function writeIcon(file: string): void {
  writeFileSync(file, renderIcon());
}

if (require.main === module) {
  const file = resolve(process.argv[2] ?? join(__dirname, '..', 'icon.png'));
  writeIcon(file);
  console.log(`wrote ${file}`);
}
