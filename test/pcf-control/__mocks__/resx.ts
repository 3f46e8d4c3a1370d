/**
 * Reads a control's `.resx` the way the platform's `context.resources.getString` serves it, so the
 * tests render the real strings (and a missing key shows up as the key itself, as in Dataverse).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const pcfRoot = join(__dirname, '..', '..', '..', 'pcf-control');

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export function readResx(projectFolder: string, constructorName: string): Map<string, string> {
  const file = join(pcfRoot, projectFolder, constructorName, 'strings', `${constructorName}.1033.resx`);
  const xml = readFileSync(file, 'utf8');
  const strings = new Map<string, string>();
  const data = /<data name="([^"]+)"[^>]*>\s*<value>([\s\S]*?)<\/value>/g;
  for (let match = data.exec(xml); match; match = data.exec(xml)) {
    strings.set(match[1] as string, decodeXml(match[2] as string));
  }
  return strings;
}

export function resourcesFrom(strings: Map<string, string>): ComponentFramework.Resources {
  return {
    getString: (id: string) => strings.get(id) ?? id,
    getResource: () => undefined,
  } as unknown as ComponentFramework.Resources;
}
