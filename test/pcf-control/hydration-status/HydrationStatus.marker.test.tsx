/**
 * HydrationStatus bound to the stub marker column `ec_isstub` (docs/stub-marker.md): the form's own value
 * answers without an `ec_stub` query; an empty value or another binding falls back to the query.
 */
import { act, render, screen } from '@testing-library/react';
import { HydrationStatus } from '../../../pcf-control/hydration-status/HydrationStatus/index';
import type { IInputs } from '../../../pcf-control/hydration-status/HydrationStatus/generated/ManifestTypes';
import { stubMarkerOf } from '../../../pcf-control/hydration-status/HydrationStatus/StubMarker';
import { StubState } from '../../../pcf-control/common/StubTable';
import { createMockContext, mockFormatDateTime } from '../__mocks__/MockContext';

const ACCOUNT_ID = 'A0A0A0A0-1111-4111-8111-000000000001';
const CREATED = new Date('2026-11-26T08:15:00.000Z');

/** A bound field as the platform passes it: the value and the column's metadata. */
function bound(logicalName: string, raw: unknown): ComponentFramework.PropertyTypes.Property {
  return { raw, attributes: { LogicalName: logicalName } } as unknown as ComponentFramework.PropertyTypes.Property;
}

async function renderBadge(placement: ComponentFramework.PropertyTypes.Property, retrieveMultipleRecords: jest.Mock) {
  const context = createMockContext<IInputs>({
    parameters: { placement },
    strings: { project: 'hydration-status', control: 'HydrationStatus' },
    mode: { contextInfo: { entityTypeName: 'account', entityId: `{${ACCOUNT_ID}}` } },
    webAPI: { retrieveMultipleRecords },
  });
  const control = new HydrationStatus();
  control.init(context);
  const rendered = render(control.updateView(context));
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
  return { ...rendered, context, control };
}

const pendingRow = () => jest.fn(() => Promise.resolve({ entities: [{ ec_stubstate: StubState.Pending, createdon: CREATED.toISOString() }] }));

describe('bound to ec_isstub', () => {
  it('Yes: "Stub — awaiting hydration" at once, without reading ec_stub', async () => {
    const retrieveMultipleRecords = pendingRow();
    await renderBadge(bound('ec_isstub', true), retrieveMultipleRecords);
    const badge = await screen.findByRole('status', { name: 'Hydration status' });
    expect(badge).toHaveAttribute('data-hydration-status', 'stub');
    expect(badge).toHaveTextContent('Stub — awaiting hydration');
    expect(badge.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    expect(retrieveMultipleRecords).not.toHaveBeenCalled();
  });

  it('No: nothing to show, and no query', async () => {
    const retrieveMultipleRecords = pendingRow();
    const { container } = await renderBadge(bound('ec_isstub', false), retrieveMultipleRecords);
    expect(container).toBeEmptyDOMElement();
    expect(retrieveMultipleRecords).not.toHaveBeenCalled();
  });

  it('empty (a row from before the column existed): the ec_stub query decides', async () => {
    const retrieveMultipleRecords = pendingRow();
    await renderBadge(bound('ec_isstub', null), retrieveMultipleRecords);
    const badge = await screen.findByRole('status');
    expect(badge).toHaveAttribute('data-hydration-status', 'pending');
    expect(badge).toHaveTextContent(`Stub — awaiting hydration since ${mockFormatDateTime(CREATED)}`);
    expect(retrieveMultipleRecords).toHaveBeenCalledTimes(1);
  });

  it('the form saving the hydrated value turns the badge off on the next updateView', async () => {
    const retrieveMultipleRecords = pendingRow();
    const { context, control, rerender, container } = await renderBadge(bound('ec_isstub', true), retrieveMultipleRecords);
    expect(await screen.findByRole('status')).toHaveAttribute('data-hydration-status', 'stub');
    context.parameters.placement = bound('ec_isstub', false);
    rerender(control.updateView(context));
    await act(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(container).toBeEmptyDOMElement();
    expect(retrieveMultipleRecords).not.toHaveBeenCalled();
  });
});

describe('bound to another column: the ec_stub query, as before', () => {
  it('a Yes/No column that is not the marker does not count as one', async () => {
    const retrieveMultipleRecords = jest.fn(() => Promise.resolve({ entities: [] }));
    const { container } = await renderBadge(bound('donotemail', true), retrieveMultipleRecords);
    expect(retrieveMultipleRecords).toHaveBeenCalledTimes(1);
    expect(container).toBeEmptyDOMElement();
  });

  it('stubMarkerOf reads only a boolean of the ec_isstub column', () => {
    expect(stubMarkerOf(bound('ec_isstub', true))).toBe(true);
    expect(stubMarkerOf(bound('ec_isstub', false))).toBe(false);
    expect(stubMarkerOf(bound('ec_isstub', 1))).toBeUndefined();
    expect(stubMarkerOf(bound('ec_isstub', undefined))).toBeUndefined();
    expect(stubMarkerOf(bound('name', true))).toBeUndefined();
    expect(stubMarkerOf({ raw: true })).toBeUndefined();
    expect(stubMarkerOf(undefined)).toBeUndefined();
  });
});
