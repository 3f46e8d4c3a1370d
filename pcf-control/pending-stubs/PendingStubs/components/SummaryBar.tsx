import * as React from 'react';
import { formatRelativeAge } from '../../../common/RelativeAge';
import type { PendingStubsStrings } from '../PendingStubsStrings';
import type { StubSummary } from './PendingStubsGrid.types';
import { stubGridStyles } from './PendingStubsGrid.styles';

export interface SummaryBarProps {
  summary: StubSummary;
  now: Date;
  strings: PendingStubsStrings;
}

/** Pending count, oldest pending age, hydrated in the last 24 h; says when it counts one page only. */
export const SummaryBar: React.FC<SummaryBarProps> = ({ summary, now, strings }) => {
  const onPage = summary.scope === 'page';
  const oldest = summary.oldestPendingCreatedOn
    ? strings.get('Summary_OldestPending', formatRelativeAge(now.getTime() - summary.oldestPendingCreatedOn.getTime(), strings))
    : strings.get('Summary_OldestPendingNone');
  return (
    <ul className={stubGridStyles.summary} aria-label={strings.get('Summary_Label')} data-testid="stub-summary">
      <li>{strings.get(onPage ? 'Summary_PendingOnPage' : 'Summary_Pending', summary.pendingCount)}</li>
      <li>{oldest}</li>
      <li>
        {strings.get(onPage ? 'Summary_HydratedLast24hOnPage' : 'Summary_HydratedLast24h', summary.hydratedLast24h)}
      </li>
    </ul>
  );
};
