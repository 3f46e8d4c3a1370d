/**
 * Renders the real PendingStubs control (index.ts → updateView → React) against mock context and
 * dataset, and re-renders it the way the platform does after the dataset changes.
 */
import { act, render, type RenderResult } from '@testing-library/react';
import { PendingStubs } from '../../../pcf-control/pending-stubs/PendingStubs/index';
import type { IInputs } from '../../../pcf-control/pending-stubs/PendingStubs/generated/ManifestTypes';
import { createMockContext, type MockContext, type MockContextOptions } from '../__mocks__/MockContext';
import { createMockDataSet, type MockDataSet, type MockDataSetOptions } from '../__mocks__/MockDataSet';

export interface RenderedPendingStubs extends RenderResult {
  control: PendingStubs;
  context: MockContext<IInputs>;
  dataset: MockDataSet;
  /** The platform calling updateView again (after refresh, paging, sorting). */
  update(): void;
}

export interface RenderPendingStubsOptions extends MockDataSetOptions {
  staleAfterMinutes?: number | null;
  webAPI?: MockContextOptions<IInputs>['webAPI'];
  mode?: MockContextOptions<IInputs>['mode'];
  strings?: Map<string, string>;
}

export function renderPendingStubs(options: RenderPendingStubsOptions = {}): RenderedPendingStubs {
  const dataset = createMockDataSet(options);
  const context = createMockContext<IInputs>({
    parameters: {
      stubs: dataset,
      staleAfterMinutes: { raw: options.staleAfterMinutes === undefined ? 60 : options.staleAfterMinutes } as ComponentFramework.PropertyTypes.WholeNumberProperty,
    },
    strings: options.strings ?? { project: 'pending-stubs', control: 'PendingStubs' },
    webAPI: options.webAPI,
    mode: options.mode,
  });
  const control = new PendingStubs();
  control.init(context);
  const result = render(control.updateView(context));
  return {
    ...result,
    control,
    context,
    dataset,
    update: () => {
      act(() => {
        result.rerender(control.updateView(context));
      });
    },
  };
}

/** The wrapper of one grid row (it carries data-stub-id and data-stale). */
export function rowOf(stubId: string): HTMLElement {
  const wrapper = document.querySelector(`[data-stub-id="${stubId}"]`);
  if (!(wrapper instanceof HTMLElement)) throw new Error(`no row for ${stubId}`);
  return wrapper;
}
