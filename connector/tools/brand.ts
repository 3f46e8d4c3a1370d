/**
 * The connector's brand, written once: the apiProperties iconBrandColor and the icon background
 * must be the same colour (S2 "Design an icon"), neither white, the default #007ee5, nor transparent.
 */
export const CONNECTOR_TITLE = 'Dataverse Ensure';

/** Deep teal. */
export const BRAND_COLOR = '#0b6e5f';

/** The glyph drawn on the brand colour. */
export const GLYPH_COLOR = '#ffffff';

export function rgbOf(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1]!, 16), parseInt(match[2]!, 16), parseInt(match[3]!, 16)];
}
