/**
 * Strings: every key the components use has a value in PendingStubs.1033.resx, every key the
 * manifest names is there too, and the components show no text of their own (all of it comes
 * through context.resources.getString).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PendingStubsStringKeys } from '../../../pcf-control/pending-stubs/PendingStubs/PendingStubsStrings';
import { readResx } from '../__mocks__/resx';
import { fixNow, restoreNow } from './fakeNow';
import { renderPendingStubs } from './renderPendingStubs';
import { NOW, stubRows } from './stubFixtures';

const resx = readResx('pending-stubs', 'PendingStubs');

it('has a value for every string key the components use', () => {
  const missing = PendingStubsStringKeys.filter((key) => !resx.has(key) || resx.get(key) === '');
  expect(missing).toEqual([]);
});

it('has a value for every display-name-key and description-key of the manifest', () => {
  const manifest = readFileSync(
    join(__dirname, '../../../pcf-control/pending-stubs/PendingStubs/ControlManifest.Input.xml'),
    'utf8',
  );
  const keys = [...manifest.matchAll(/(?:display-name-key|description-key)="([^"]+)"/g)].map((match) => match[1] as string);
  expect(keys.length).toBeGreaterThan(20);
  expect(keys.filter((key) => !resx.has(key))).toEqual([]);
});

describe('no hard-coded English in the components', () => {
  beforeEach(() => fixNow(NOW));
  afterEach(() => restoreNow());

  it('renders only resource strings and data when every resource is replaced by a marker', () => {
    // A pseudo-locale: each string becomes ⟦key⟧ with its {n} placeholders kept.
    const pseudo = new Map([...resx].map(([key, value]) => [key, `⟦${key}${(value.match(/\{\d+\}/g) ?? []).join('')}⟧`]));
    renderPendingStubs({ rows: stubRows(), strings: pseudo, hasNextPage: true });
    const dataValues = stubRows().flatMap((row) => Object.values(row).filter((value) => typeof value === 'string') as string[]);
    dataValues.sort((a, b) => b.length - a.length);
    const withoutResourcesAndData = (value: string): string => {
      let rest = value.replace(/⟦[^⟧]*⟧/g, ' ');
      for (const data of dataValues) rest = rest.split(data).join(' ');
      // dates are formatted by context.formatting (mocked as "2026-11-26 11:50 UTC")
      return rest.replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, ' ');
    };
    // What is left are numbers and punctuation from data.
    expect(withoutResourcesAndData(document.body.textContent ?? '')).not.toMatch(/[A-Za-z]{2,}/);
    // and the aria-labels / titles too
    const labels = [...document.querySelectorAll('[aria-label],[title]')].flatMap((element) => [
      element.getAttribute('aria-label') ?? '',
      element.getAttribute('title') ?? '',
    ]);
    expect(labels.filter((value) => value !== '').length).toBeGreaterThan(5);
    for (const label of labels.filter((value) => value !== '')) {
      expect(withoutResourcesAndData(label)).not.toMatch(/[A-Za-z]{2,}/);
    }
  });
});
