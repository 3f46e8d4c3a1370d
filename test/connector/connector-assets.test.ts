import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { buildApiProperties, CONNECTION_PARAMETERS } from '../../connector/tools/api-properties';
import { BRAND_COLOR } from '../../connector/tools/brand';
import { renderIcon } from '../../connector/tools/icon';
import { hexColor, ICON_SIZE } from '../../connector/tools/rules/icon';
import { buildSettings } from '../../connector/tools/settings';
import { COMPLIANT_FOLDER } from './connector-fixtures';

describe('apiProperties builder', () => {
  const built = buildApiProperties();

  it('is what the compliant fixture holds (the fixture passes the validator and its paconn schema)', () => {
    expect(JSON.parse(readFileSync(join(COMPLIANT_FOLDER, 'apiProperties.json'), 'utf8'))).toEqual(built);
  });

  it('asks for the API key as a securestring labelled "API key" and for the base URL as a string', () => {
    const parameters = built.properties.connectionParameters as Record<string, { type: string; uiDefinition: { displayName: string; constraints: { required: string } } }>;
    expect(parameters[CONNECTION_PARAMETERS.apiKey]).toMatchObject({ type: 'securestring', uiDefinition: { displayName: 'API key', constraints: { required: 'true' } } });
    expect(parameters[CONNECTION_PARAMETERS.hostUrl]).toMatchObject({ type: 'string', uiDefinition: { constraints: { required: 'true' } } });
  });

  it('routes every call to the connection base URL with the dynamichosturl policy template', () => {
    expect(built.properties.policyTemplateInstances).toEqual([
      expect.objectContaining({ templateId: 'dynamichosturl', parameters: { 'x-ms-apimTemplateParameter.urlTemplate': "@connectionParameters('hostUrl')" } }),
    ]);
  });

  it('uses a brand colour that certification accepts', () => {
    expect(built.properties.iconBrandColor).toBe(BRAND_COLOR);
    expect(BRAND_COLOR).toMatch(/^#[0-9a-f]{6}$/);
    expect(['#ffffff', '#007ee5']).not.toContain(BRAND_COLOR);
  });
});

describe('settings.json builder', () => {
  it('points paconn at the connector files and is what the compliant fixture holds', () => {
    expect(buildSettings()).toEqual({ apiDefinition: 'apiDefinition.swagger.json', apiProperties: 'apiProperties.json', icon: 'icon.png', powerAppsApiVersion: '2016-11-01', powerAppsUrl: 'https://api.powerapps.com' });
    expect(JSON.parse(readFileSync(join(COMPLIANT_FOLDER, 'settings.json'), 'utf8'))).toEqual(buildSettings());
  });
});

describe('icon', () => {
  const bytes = renderIcon();
  const png = PNG.sync.read(bytes);
  const pixel = (x: number, y: number): string => {
    const offset = (y * png.width + x) * 4;
    return hexColor(png.data[offset]!, png.data[offset + 1]!, png.data[offset + 2]!);
  };

  it('is a 230×230 RGB PNG (no alpha channel, so nothing is transparent)', () => {
    expect([png.width, png.height]).toEqual([ICON_SIZE, ICON_SIZE]);
    expect(bytes.readUInt8(25)).toBe(2); // IHDR colour type 2 = truecolour without alpha
  });

  it('has the brand colour as background and a white glyph', () => {
    for (const [x, y] of [[0, 0], [229, 0], [0, 229], [229, 229], [115, 10]] as const) expect(pixel(x, y)).toBe(BRAND_COLOR);
    expect(pixel(115, 115 - 73)).toBe('#ffffff'); // on the ring
    expect(pixel(103, 144)).toBe('#ffffff'); // on the check mark
  });

  it('comes out byte-identical every time, equal to the compliant fixture icon', () => {
    expect(renderIcon().equals(bytes)).toBe(true);
    expect(readFileSync(join(COMPLIANT_FOLDER, 'icon.png')).equals(bytes)).toBe(true);
  });
});
