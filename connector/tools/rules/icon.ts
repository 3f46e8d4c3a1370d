import { PNG } from 'pngjs';
import { CONNECTOR_FILES } from '../validation/connector-folder';
import type { RuleFamily } from '../validation/rule-context';
import { isObject } from '../validation/swagger-model';

/** S2 "Design an icon": a square of about 230 × 230 pixels; we require exactly that. */
export const ICON_SIZE = 230;

export function hexColor(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * X02: icon.png is a 230×230 PNG whose background (its four corners) is opaque, not white, not
 * the default #007ee5, and the iconBrandColor of apiProperties.json.
 */
export const iconRules: RuleFamily = {
  name: 'icon',
  check(context) {
    const icon = context.files.icon;
    if (!icon) return;
    const report = (message: string): void => context.findings.report('X02', CONNECTOR_FILES.icon, [], message);
    let png: PNG;
    try {
      png = PNG.sync.read(icon);
    } catch (error) {
      report(`icon.png is not a readable PNG: ${(error as Error).message}`);
      return;
    }
    if (png.width !== ICON_SIZE || png.height !== ICON_SIZE) report(`icon.png is ${png.width}×${png.height}; it must be ${ICON_SIZE}×${ICON_SIZE}.`);
    const corners = [
      [0, 0],
      [png.width - 1, 0],
      [0, png.height - 1],
      [png.width - 1, png.height - 1],
    ].map(([x, y]) => {
      const offset = (png.width * y! + x!) * 4;
      return { color: hexColor(png.data[offset]!, png.data[offset + 1]!, png.data[offset + 2]!), alpha: png.data[offset + 3]! };
    });
    if (corners.some((corner) => corner.alpha < 255)) report('the icon background must not be transparent.');
    const colors = new Set(corners.map((corner) => corner.color));
    if (colors.has('#ffffff')) report('the icon background must not be white (#ffffff).');
    if (colors.has('#007ee5')) report('the icon background must not be the default colour #007ee5.');
    if (colors.size > 1) report(`the icon background is not one solid colour (corners ${[...colors].join(', ')}).`);
    const properties = context.properties?.['properties'];
    const brand = isObject(properties) && typeof properties['iconBrandColor'] === 'string' ? properties['iconBrandColor'].toLowerCase() : undefined;
    const background = corners[0]!.color;
    if (brand && colors.size === 1 && background !== brand) report(`the icon background ${background} must match iconBrandColor ${brand}.`);
  },
};
