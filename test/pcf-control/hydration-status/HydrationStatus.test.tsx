/**
 * HydrationStatus through its real index.ts: the badge's three outcomes (stub awaiting hydration,
 * hydrated, never a stub) and its failure modes, none of which may block or break the form.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { act, render, screen, waitFor } from '@testing-library/react';
import { HydrationStatus } from '../../../pcf-control/hydration-status/HydrationStatus/index';
import type { IInputs } from '../../../pcf-control/hydration-status/HydrationStatus/generated/ManifestTypes';
import { HydrationStatusStringKeys } from '../../../pcf-control/hydration-status/HydrationStatus/HydrationStatusStrings';
import { currentRecordOf } from '../../../pcf-control/hydration-status/HydrationStatus/CurrentRecord';
import { odataString, stubQuery } from '../../../pcf-control/hydration-status/HydrationStatus/StubStatusLookup';
import { StubState } from '../../../pcf-control/common/StubTable';
import { createMockContext, mockFormatDateTime, type MockContextOptions } from '../__mocks__/MockContext';
import { readResx } from '../__mocks__/resx';

const ACCOUNT_ID = 'A0A0A0A0-1111-4111-8111-000000000001';
const CREATED = new Date('2026-11-26T08:15:00.000Z');
const HYDRATED = new Date('2026-11-26T08:22:00.000Z');

type Options = Partial<Omit<MockContextOptions<IInputs>, 'parameters' | 'strings'>>;

async function renderBadge(options: Options = {}) {
  const context = createMockContext<IInputs>({
    parameters: { placement: { raw: 'Contoso Ltd' } as ComponentFramework.PropertyTypes.StringProperty },
    strings: { project: 'hydration-status', control: 'HydrationStatus' },
    mode: { contextInfo: { entityTypeName: 'account', entityId: `{${ACCOUNT_ID}}` } },
    ...options,
  });
  const control = new HydrationStatus();
  control.init(context);
  const rendered = render(control.updateView(context));
  // let the lookup settle
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  return { ...rendered, context, control };
}

function stubOf(fields: Record<string, unknown>) {
  return jest.fn(() => Promise.resolve({ entities: [fields] }));
}

describe('outcomes', () => {
  it('a pending stub: "Stub — awaiting hydration since …" with attempts, request and last error', async () => {
    const retrieveMultipleRecords = stubOf({
      ec_stubstate: StubState.Pending,
      createdon: CREATED.toISOString(),
      ec_attempts: 3,
      ec_lasterror: 'Source instance a answered 503 Service Unavailable',
      ec_sourceinstance: 'a',
      ec_hydrationrequestedon: HYDRATED.toISOString(),
    });
    await renderBadge({ webAPI: { retrieveMultipleRecords } });
    const badge = await screen.findByRole('status', { name: 'Hydration status' });
    expect(badge).toHaveAttribute('data-hydration-status', 'pending');
    expect(badge).toHaveTextContent(`Stub — awaiting hydration since ${mockFormatDateTime(CREATED)}`);
    expect(badge).toHaveTextContent('Hydration attempts: 3');
    expect(badge).toHaveTextContent(`Hydration requested ${mockFormatDateTime(HYDRATED)}`);
    expect(badge).toHaveTextContent('Expected from: a');
    expect(badge).toHaveTextContent('Last error: Source instance a answered 503 Service Unavailable');
    expect(badge.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');

    // one read of ec_stub by (ec_table, ec_recordid), id without braces and in lower case
    expect(retrieveMultipleRecords).toHaveBeenCalledTimes(1);
    const [entity, query] = retrieveMultipleRecords.mock.calls[0] as unknown as [string, string];
    expect(entity).toBe('ec_stub');
    expect(decodeURIComponent(query)).toContain(
      `$filter=ec_table eq 'account' and ec_recordid eq '${ACCOUNT_ID.toLowerCase()}'`,
    );
    expect(query).toContain('$top=1');
  });

  it('a hydrated stub: "Hydrated … after N min"', async () => {
    await renderBadge({
      webAPI: {
        retrieveMultipleRecords: stubOf({
          ec_stubstate: StubState.Hydrated,
          createdon: CREATED.toISOString(),
          ec_hydratedon: HYDRATED.toISOString(),
          ec_secondstohydrate: 7 * 60 + 12,
        }),
      },
    });
    const badge = await screen.findByRole('status', { name: 'Hydration status' });
    expect(badge).toHaveAttribute('data-hydration-status', 'hydrated');
    expect(badge).toHaveTextContent(`Hydrated ${mockFormatDateTime(HYDRATED)} after 7 min`);
    expect(badge).not.toHaveTextContent('Stub');
  });

  it('a hydrated stub without a measured duration still says when', async () => {
    await renderBadge({
      webAPI: { retrieveMultipleRecords: stubOf({ ec_stubstate: StubState.Hydrated, ec_hydratedon: HYDRATED.toISOString() }) },
    });
    expect(await screen.findByRole('status')).toHaveTextContent(`Hydrated ${mockFormatDateTime(HYDRATED)}`);
  });

  it('an abandoned stub says so', async () => {
    await renderBadge({
      webAPI: {
        retrieveMultipleRecords: stubOf({
          ec_stubstate: StubState.Abandoned,
          createdon: CREATED.toISOString(),
          ec_attempts: 12,
          ec_lasterror: 'Record not found in source instance a',
        }),
      },
    });
    const badge = await screen.findByRole('status');
    expect(badge).toHaveAttribute('data-hydration-status', 'abandoned');
    expect(badge).toHaveTextContent(`Stub — hydration abandoned; created ${mockFormatDateTime(CREATED)}`);
    expect(badge).toHaveTextContent('Hydration attempts: 12');
  });

  it('a record that never was a stub: renders nothing', async () => {
    const retrieveMultipleRecords = jest.fn(() => Promise.resolve({ entities: [] }));
    const { container } = await renderBadge({ webAPI: { retrieveMultipleRecords } });
    expect(retrieveMultipleRecords).toHaveBeenCalledTimes(1);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('failure modes: never block or break the form', () => {
  it('ec_stub table missing in this environment → nothing', async () => {
    const retrieveMultipleRecords = jest.fn(() =>
      Promise.reject({ errorCode: 2147746336, message: "Could not find a property named 'ec_table' on type 'Microsoft.Dynamics.CRM.ec_stub'." }),
    );
    const { container } = await renderBadge({ webAPI: { retrieveMultipleRecords } });
    expect(retrieveMultipleRecords).toHaveBeenCalled();
    expect(container).toBeEmptyDOMElement();
  });

  it('no read privilege on ec_stub (utils says so) → nothing, and no query at all', async () => {
    const retrieveMultipleRecords = stubOf({ ec_stubstate: StubState.Pending });
    const hasEntityPrivilege = jest.fn(() => false);
    const { container } = await renderBadge({ webAPI: { retrieveMultipleRecords }, utils: { hasEntityPrivilege } });
    expect(hasEntityPrivilege).toHaveBeenCalledWith('ec_stub', 2, 0);
    expect(retrieveMultipleRecords).not.toHaveBeenCalled();
    expect(container).toBeEmptyDOMElement();
  });

  it('no read privilege (the Web API refuses) → nothing', async () => {
    const retrieveMultipleRecords = jest.fn(() =>
      Promise.reject(new Error('Principal user (Id=…) is missing prvReadec_stub privilege')),
    );
    const { container } = await renderBadge({ webAPI: { retrieveMultipleRecords } });
    expect(container).toBeEmptyDOMElement();
  });

  it('webAPI throws synchronously → nothing, no exception into the form', async () => {
    const retrieveMultipleRecords = jest.fn(() => {
      throw new Error('WebAPI is not available');
    });
    const { container } = await renderBadge({ webAPI: { retrieveMultipleRecords } });
    expect(retrieveMultipleRecords).toHaveBeenCalled();
    expect(container).toBeEmptyDOMElement();
  });

  it('no webAPI at all (a host without it) → nothing', async () => {
    const { container } = await renderBadge({ webAPI: null });
    expect(container).toBeEmptyDOMElement();
  });

  it('hasEntityPrivilege throws → still tries the read', async () => {
    const retrieveMultipleRecords = stubOf({ ec_stubstate: StubState.Pending, createdon: CREATED.toISOString() });
    await renderBadge({
      webAPI: { retrieveMultipleRecords },
      utils: {
        hasEntityPrivilege: jest.fn(() => {
          throw new Error('entity ec_stub not found');
        }),
      },
    });
    expect(await screen.findByRole('status')).toHaveTextContent('Stub — awaiting hydration since');
  });

  it('a new, unsaved record (no id) → nothing and no query', async () => {
    const retrieveMultipleRecords = stubOf({ ec_stubstate: StubState.Pending });
    const { container } = await renderBadge({
      webAPI: { retrieveMultipleRecords },
      mode: { contextInfo: { entityTypeName: 'account', entityId: '' } },
    });
    expect(retrieveMultipleRecords).not.toHaveBeenCalled();
    expect(container).toBeEmptyDOMElement();
  });

  it('shows nothing while it looks (nothing to wait for on the form)', () => {
    const context = createMockContext<IInputs>({
      parameters: { placement: { raw: 'x' } as ComponentFramework.PropertyTypes.StringProperty },
      strings: { project: 'hydration-status', control: 'HydrationStatus' },
      mode: { contextInfo: { entityTypeName: 'account', entityId: ACCOUNT_ID } },
      webAPI: { retrieveMultipleRecords: jest.fn(() => new Promise(() => undefined)) },
    });
    const control = new HydrationStatus();
    control.init(context);
    const { container } = render(control.updateView(context));
    expect(container).toBeEmptyDOMElement();
  });

  it('a fault while rendering the badge stays inside the control (error boundary) → nothing', async () => {
    const retrieveMultipleRecords = stubOf({ ec_stubstate: StubState.Pending, createdon: CREATED.toISOString() });
    const context = createMockContext<IInputs>({
      parameters: { placement: { raw: 'x' } as ComponentFramework.PropertyTypes.StringProperty },
      strings: { project: 'hydration-status', control: 'HydrationStatus' },
      mode: { contextInfo: { entityTypeName: 'account', entityId: ACCOUNT_ID } },
      webAPI: { retrieveMultipleRecords },
    });
    (context.resources as unknown as { getString: () => string }).getString = () => {
      throw new Error('resource file missing');
    };
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const control = new HydrationStatus();
    control.init(context);
    const { container } = render(control.updateView(context));
    await waitFor(() => expect(retrieveMultipleRecords).toHaveBeenCalled());
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(container).toBeEmptyDOMElement();
    quiet.mockRestore();
  });

  it('a malformed row (odd types) renders without throwing', async () => {
    await renderBadge({
      webAPI: { retrieveMultipleRecords: stubOf({ ec_stubstate: 'garbage', createdon: 'not a date', ec_attempts: 'three' }) },
    });
    const badge = await screen.findByRole('status');
    expect(badge).toHaveTextContent('Stub — awaiting hydration since');
    expect(badge).not.toHaveTextContent('Hydration attempts');
  });
});

describe('the record the form shows', () => {
  it('reads context.mode.contextInfo, else context.page', () => {
    expect(currentRecordOf({ mode: { contextInfo: { entityTypeName: 'contact', entityId: 'c1' } } })).toEqual({ table: 'contact', id: 'c1' });
    expect(currentRecordOf({ mode: {}, page: { entityTypeName: 'account', entityId: 'a1' } })).toEqual({ table: 'account', id: 'a1' });
    expect(currentRecordOf({ mode: { contextInfo: { entityTypeName: 'account', entityId: '' } } })).toEqual({});
    expect(currentRecordOf(undefined)).toEqual({});
  });

  it('re-reads when the form moves to another record', async () => {
    const retrieveMultipleRecords = jest.fn(() => Promise.resolve({ entities: [] }));
    const { context, control, rerender } = await renderBadge({ webAPI: { retrieveMultipleRecords } });
    (context.mode as unknown as { contextInfo: { entityTypeName: string; entityId: string } }).contextInfo = {
      entityTypeName: 'contact',
      entityId: 'c0c0c0c0-2222-4222-8222-000000000002',
    };
    rerender(control.updateView(context));
    await waitFor(() => expect(retrieveMultipleRecords).toHaveBeenCalledTimes(2));
    expect(decodeURIComponent(String((retrieveMultipleRecords.mock.calls[1] as unknown as string[])[1]))).toContain("ec_table eq 'contact'");
  });
});

describe('query literals', () => {
  it('doubles quotes and percent-encodes the literal', () => {
    expect(odataString("o'brien")).toBe(encodeURIComponent("'o''brien'"));
    expect(decodeURIComponent(stubQuery("x' or 1 eq 1 or 'a", ACCOUNT_ID))).toContain("ec_table eq 'x'' or 1 eq 1 or ''a'");
  });
});

describe('strings', () => {
  const resx = readResx('hydration-status', 'HydrationStatus');

  it('has a value for every key the badge uses and every key the manifest names', () => {
    expect(HydrationStatusStringKeys.filter((key) => !resx.get(key))).toEqual([]);
    const manifest = readFileSync(
      join(__dirname, '../../../pcf-control/hydration-status/HydrationStatus/ControlManifest.Input.xml'),
      'utf8',
    );
    const keys = [...manifest.matchAll(/(?:display-name-key|description-key)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(keys.length).toBe(4);
    expect(keys.filter((key) => !resx.has(key))).toEqual([]);
  });

  it('shows only resource strings and data (no English of its own)', async () => {
    const pseudo = new Map([...resx].map(([key, value]) => [key, `⟦${key}${(value.match(/\{\d+\}/g) ?? []).join('')}⟧`]));
    const context = createMockContext<IInputs>({
      parameters: { placement: { raw: 'x' } as ComponentFramework.PropertyTypes.StringProperty },
      strings: pseudo,
      mode: { contextInfo: { entityTypeName: 'account', entityId: ACCOUNT_ID } },
      webAPI: {
        retrieveMultipleRecords: stubOf({
          ec_stubstate: StubState.Pending,
          createdon: CREATED.toISOString(),
          ec_attempts: 3,
          ec_lasterror: 'boom',
          ec_sourceinstance: 'a',
        }),
      },
    });
    const control = new HydrationStatus();
    control.init(context);
    render(control.updateView(context));
    const badge = await screen.findByRole('status');
    const rest = (badge.textContent ?? '')
      .replace(/⟦[^⟧]*⟧/g, ' ')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/g, ' ')
      .replace(/boom/g, ' ');
    expect(rest).not.toMatch(/[A-Za-z]{2,}/);
    expect(badge).toHaveAttribute('aria-label', '⟦Badge_Label⟧');
  });
});
