/**
 * Column definitions and cell renderers of the stubs grid.
 */
import * as React from 'react';
import { ColumnActionsMode, Link, TooltipHost, type IColumn } from '@fluentui/react';
import { formatRelativeAge } from '../../../common/RelativeAge';
import type { PendingStubsStringKey, PendingStubsStrings } from '../PendingStubsStrings';
import { lastErrorMessage } from '../LastErrorText';
import { isStale } from '../StubRowRules';
import type { StubGridColumnKey, StubGridSort, StubRow } from './PendingStubsGrid.types';
import { StateLabel } from './StateLabel';
import { StubIcon } from '../../../common/StubIcons';
import { stubGridStyles } from './PendingStubsGrid.styles';

export interface ColumnContext {
  strings: PendingStubsStrings;
  now: Date;
  staleAfterMinutes: number;
  formatDateTime(date: Date): string;
  sort?: StubGridSort;
  sortableColumns: readonly StubGridColumnKey[];
  onOpenRecord(row: StubRow): void;
}

interface ColumnSpec {
  key: StubGridColumnKey;
  title: PendingStubsStringKey;
  minWidth: number;
  maxWidth?: number;
  render(row: StubRow, context: ColumnContext): React.ReactNode;
}

function noneOr(text: string, context: ColumnContext): string {
  return text === '' ? context.strings.get('Value_None') : text;
}

function ExactDateTime({ date, context }: { date: Date | undefined; context: ColumnContext }) {
  if (!date) return <>{context.strings.get('Value_None')}</>;
  return <time dateTime={date.toISOString()}>{context.formatDateTime(date)}</time>;
}

function RecordCell({ row, context }: { row: StubRow; context: ColumnContext }) {
  const { strings } = context;
  const label = row.recordName || row.recordKey || row.recordId;
  return (
    <div>
      <Link
        className={stubGridStyles.cellText}
        aria-label={strings.get('Record_Open', label, row.table)}
        disabled={row.table === '' || row.recordId === ''}
        onClick={(event) => {
          event.stopPropagation();
          context.onOpenRecord(row);
        }}
      >
        {label}
      </Link>
      {row.recordKey !== '' && row.recordKey !== label && (
        <span className={stubGridStyles.secondaryText}>{strings.get('Record_KeyPrefix', row.recordKey)}</span>
      )}
    </div>
  );
}

function AgeCell({ row, context }: { row: StubRow; context: ColumnContext }) {
  const { strings, now } = context;
  if (!row.createdOn) return <>{strings.get('Value_None')}</>;
  const exact = context.formatDateTime(row.createdOn);
  const stale = isStale(row, now, context.staleAfterMinutes);
  return (
    <span className={stubGridStyles.inlineWithIcon}>
      <TooltipHost content={strings.get('Age_Tooltip', exact)}>
        <time dateTime={row.createdOn.toISOString()} tabIndex={-1} data-exact={exact}>
          {formatRelativeAge(now.getTime() - row.createdOn.getTime(), strings)}
        </time>
      </TooltipHost>
      <span className={stubGridStyles.screenReaderOnly} data-testid="age-exact">
        {strings.get('Age_Tooltip', exact)}
      </span>
      {stale && (
        <span
          className={stubGridStyles.staleMarker}
          title={strings.get('Stale_Description', context.staleAfterMinutes)}
          data-testid="stale-marker"
        >
          <StubIcon name="stale" />
          {strings.get('Stale_Label')}
        </span>
      )}
    </span>
  );
}

/** The reason of the last error; the whole stored text (with its time and attempt) on hover. */
function LastErrorCell({ row }: { row: StubRow }) {
  return (
    <TooltipHost content={row.lastError} styles={{ root: { display: 'block', minWidth: 0 } }}>
      <span className={stubGridStyles.truncatedText} data-testid="last-error" data-full-text={row.lastError}>
        {lastErrorMessage(row.lastError, row)}
      </span>
    </TooltipHost>
  );
}

const columnSpecs: readonly ColumnSpec[] = [
  { key: 'record', title: 'Column_RecordName', minWidth: 160, maxWidth: 320, render: (row, c) => <RecordCell row={row} context={c} /> },
  { key: 'table', title: 'Column_Table', minWidth: 80, maxWidth: 140, render: (row, c) => noneOr(row.table, c) },
  { key: 'state', title: 'Column_State', minWidth: 100, maxWidth: 130, render: (row, c) => <StateLabel state={row.state} strings={c.strings} /> },
  { key: 'age', title: 'Column_Age', minWidth: 110, maxWidth: 160, render: (row, c) => <AgeCell row={row} context={c} /> },
  { key: 'attempts', title: 'Column_Attempts', minWidth: 60, maxWidth: 80, render: (row, c) => (row.attempts === undefined ? c.strings.get('Value_None') : String(row.attempts)) },
  {
    key: 'lastError',
    title: 'Column_LastError',
    minWidth: 140,
    render: (row, c) => (row.lastError === '' ? c.strings.get('Value_None') : <LastErrorCell row={row} />),
  },
  { key: 'hydrationRequestedOn', title: 'Column_HydrationRequestedOn', minWidth: 130, maxWidth: 170, render: (row, c) => <ExactDateTime date={row.hydrationRequestedOn} context={c} /> },
  { key: 'hydratedOn', title: 'Column_HydratedOn', minWidth: 130, maxWidth: 170, render: (row, c) => <ExactDateTime date={row.hydratedOn} context={c} /> },
];

export function stubGridColumns(context: ColumnContext): IColumn[] {
  const { strings, sort } = context;
  return columnSpecs.map((spec) => {
    const sortable = context.sortableColumns.includes(spec.key);
    const sorted = sortable && sort?.column === spec.key;
    return {
      key: spec.key,
      name: strings.get(spec.title),
      fieldName: spec.key,
      minWidth: spec.minWidth,
      maxWidth: spec.maxWidth,
      isResizable: true,
      isMultiline: spec.key === 'record',
      isSorted: sorted,
      isSortedDescending: sorted ? sort?.descending : undefined,
      sortAscendingAriaLabel: strings.get('Grid_SortedAscending'),
      sortDescendingAriaLabel: strings.get('Grid_SortedDescending'),
      columnActionsMode: sortable ? ColumnActionsMode.clickable : ColumnActionsMode.disabled,
      onRender: (row?: StubRow) => (row ? spec.render(row, context) : null),
    };
  });
}
