/**
 * The top-level PendingStubs component: the grid plus the header numbers, which it loads
 * asynchronously (whole-table counts when the data source can give them, else counted over the rows
 * on screen). Both the PCF control and the API's local preview page render this.
 */
import * as React from 'react';
import { summaryFromRows } from '../StubRowRules';
import { PendingStubsGrid } from './PendingStubsGrid';
import type { PendingStubsGridProps, StubSummary } from './PendingStubsGrid.types';

export interface PendingStubsViewProps extends Omit<PendingStubsGridProps, 'summary'> {
  /** Whole-table numbers; `undefined` (or a rejection) means "count the rows on screen". */
  loadSummary?: () => Promise<StubSummary | undefined>;
  /** Change it (e.g. after a refresh) to load the summary again. */
  summaryVersion?: number;
}

export const PendingStubsView: React.FC<PendingStubsViewProps> = ({ loadSummary, summaryVersion = 0, ...gridProps }) => {
  const [loaded, setLoaded] = React.useState<StubSummary | undefined>();
  const load = React.useRef(loadSummary);
  load.current = loadSummary;

  React.useEffect(() => {
    let current = true;
    const pending = load.current?.();
    if (!pending) return undefined;
    pending.then(
      (summary) => {
        if (current) setLoaded(summary);
      },
      () => {
        if (current) setLoaded(undefined);
      },
    );
    return () => {
      current = false;
    };
  }, [summaryVersion]);

  const summary = loaded ?? summaryFromRows(gridProps.rows, gridProps.now);
  return <PendingStubsGrid {...gridProps} summary={summary} />;
};
