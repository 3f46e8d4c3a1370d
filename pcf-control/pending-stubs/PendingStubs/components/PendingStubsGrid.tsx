/**
 * The PendingStubs view: header summary, commands, the grid of `ec_stub` rows, paging.
 * A function of its props (see PendingStubsGrid.types.ts); it never touches the PCF context.
 */
import * as React from 'react';
import {
  ActionButton,
  CheckboxVisibility,
  DetailsList,
  DetailsListLayoutMode,
  DetailsRow,
  FocusZone,
  FocusZoneDirection,
  MessageBar,
  MessageBarType,
  Selection,
  SelectionMode,
  Spinner,
  SpinnerSize,
  Text,
  type IColumn,
  type IDetailsListCheckboxProps,
  type IDetailsRowProps,
} from '@fluentui/react';
import { formatLocalDateTime } from '../../../common/RelativeAge';
import { hydrationCandidates, isStale } from '../StubRowRules';
import type { PendingStubsGridProps, StubGridColumnKey, StubRow } from './PendingStubsGrid.types';
import { PagingBar } from './PagingBar';
import { stubGridColumns } from './StubGridColumns';
import { StubIcon } from '../../../common/StubIcons';
import { SummaryBar } from './SummaryBar';
import { stubGridStyles } from './PendingStubsGrid.styles';

interface Notice {
  type: MessageBarType;
  text: string;
}

// MessageBar icons drawn as SVG too (Fluent would ask for its icon font).
const errorIcon = { children: <StubIcon name="error" color="#a4262c" /> };
const successIcon = { children: <StubIcon name="hydrated" color="#107c10" /> };
// iconName '' + styles make the button render a plain Icon, which shows its children
const dismissIcon = { iconName: '', styles: { root: { display: 'inline-flex' } }, children: <StubIcon name="dismiss" size={12} /> };

/** A pixel size the host really gave: hosts also hand over -1, NaN (pcf-start with an empty size field) or worse. */
function givenSize(size: unknown): number | undefined {
  return typeof size === 'number' && Number.isFinite(size) && size >= 0 ? size : undefined;
}

// React warns about (and drops) a NaN or Infinity style value, so only finite sizes reach the style.
function sizeStyle(width: number | undefined, height: number | undefined): React.CSSProperties {
  return { width: givenSize(width) ?? '100%', height: givenSize(height) };
}

export const PendingStubsGrid: React.FC<PendingStubsGridProps> = (props) => {
  const { rows, strings, now, staleAfterMinutes, loading, errorMessage } = props;
  const [selectedIds, setSelectedIds] = React.useState<string[]>([]);
  const [notice, setNotice] = React.useState<Notice | undefined>();
  const [requesting, setRequesting] = React.useState(false);

  // Callbacks change with every render of the host; the Selection object must not.
  const latest = React.useRef(props);
  latest.current = props;

  const selection = React.useMemo(() => {
    const created: Selection = new Selection({
      getKey: (item) => (item as StubRow).id,
      onSelectionChanged: () => {
        const ids = created.getSelection().map((item) => (item as StubRow).id);
        setSelectedIds(ids);
        latest.current.onSelectionChange(ids);
      },
    });
    return created;
  }, []);

  const items = React.useMemo(() => rows.map((row) => ({ ...row, key: row.id })), [rows]);

  const columns = React.useMemo(
    () =>
      stubGridColumns({
        strings,
        now,
        staleAfterMinutes,
        formatDateTime: (date) => (latest.current.formatDateTime ?? formatLocalDateTime)(date),
        sort: props.sort,
        sortableColumns: props.sortableColumns,
        onOpenRecord: (row) => latest.current.onOpenRecord(row),
      }),
    [strings, now, staleAfterMinutes, props.sort, props.sortableColumns],
  );

  const onColumnHeaderClick = React.useCallback(
    (_event?: React.MouseEvent<HTMLElement>, column?: IColumn) => {
      if (!column) return;
      const key = column.key as StubGridColumnKey;
      if (!latest.current.sortableColumns.includes(key)) return;
      const current = latest.current.sort;
      const descending = current?.column === key ? !current.descending : false;
      latest.current.onSort({ column: key, descending });
    },
    [],
  );

  const onRenderRow = React.useCallback(
    (rowProps?: IDetailsRowProps) => {
      if (!rowProps) return null;
      const row = rowProps.item as StubRow;
      const stale = isStale(row, now, staleAfterMinutes);
      return (
        <div data-stale={stale ? 'true' : 'false'} data-stub-id={row.id}>
          <DetailsRow {...rowProps} className={stale ? stubGridStyles.staleRow : undefined} />
        </div>
      );
    },
    [now, staleAfterMinutes],
  );

  // Only Pending and Abandoned rows can be asked to hydrate; a mixed selection acts on those alone.
  const candidates = React.useMemo(() => hydrationCandidates(rows, selectedIds), [rows, selectedIds]);

  const requestHydration = async () => {
    const { eligible: ids, skipped } = candidates;
    if (ids.length === 0 || requesting) return;
    setRequesting(true);
    setNotice(undefined);
    const skippedText = skipped.length > 0 ? ` ${strings.get('Skipped_RequestHydration', skipped.length)}` : '';
    try {
      const result = await latest.current.onRequestHydration(ids);
      if (result.failed.length === 0) {
        setNotice({ type: MessageBarType.success, text: strings.get('Success_RequestHydration', result.requested.length) + skippedText });
      } else {
        setNotice({
          type: MessageBarType.error,
          text:
            strings.get(
              'Error_RequestHydration',
              result.failed.length,
              ids.length,
              // one line per distinct reason, not one per row
              [...new Set(result.failed.map((failure) => failure.message))].join('; '),
            ) + skippedText,
        });
      }
    } catch (error) {
      setNotice({
        type: MessageBarType.error,
        text:
          strings.get('Error_RequestHydration', ids.length, ids.length, error instanceof Error ? error.message : String(error)) +
          skippedText,
      });
    } finally {
      setRequesting(false);
      latest.current.onRefresh();
    }
  };

  let body: React.ReactNode;
  if (errorMessage !== undefined) {
    body = (
      <MessageBar messageBarType={MessageBarType.error} messageBarIconProps={errorIcon} isMultiline>
        {strings.get('Error_Load', errorMessage)}
      </MessageBar>
    );
  } else if (rows.length === 0 && loading) {
    body = (
      <div className={stubGridStyles.centered}>
        <Spinner size={SpinnerSize.large} label={strings.get('Loading_Message')} ariaLive="polite" />
      </div>
    );
  } else if (rows.length === 0) {
    body = (
      <div className={stubGridStyles.centered} role="status">
        <Text variant="large">{strings.get('Empty_Message')}</Text>
      </div>
    );
  } else {
    body = (
      <>
        {loading && <Spinner size={SpinnerSize.small} label={strings.get('Loading_Message')} ariaLive="polite" labelPosition="right" />}
        <DetailsList
          items={items}
          columns={columns}
          selection={selection}
          selectionMode={SelectionMode.multiple}
          selectionPreservedOnEmptyClick
          checkboxVisibility={CheckboxVisibility.always}
          layoutMode={DetailsListLayoutMode.justified}
          setKey="stubs"
          onItemInvoked={(item?: StubRow) => item && latest.current.onOpenRecord(item)}
          onColumnHeaderClick={onColumnHeaderClick}
          onRenderRow={onRenderRow}
          onRenderCheckbox={(check?: IDetailsListCheckboxProps) => (
            // drawn here (no icon font needed); DetailsList keeps the checkbox role and labels
            <StubIcon name={check?.checked ? 'checkOn' : 'checkOff'} size={18} color={check?.checked ? '#0078d4' : '#605e5c'} />
          )}
          onShouldVirtualize={() => false}
          ariaLabelForGrid={strings.get('Grid_Label')}
          ariaLabelForSelectAllCheckbox={strings.get('Grid_SelectAll')}
          ariaLabelForSelectionColumn={strings.get('Grid_SelectRow')}
          checkButtonAriaLabel={strings.get('Grid_SelectRow')}
        />
      </>
    );
  }

  const busy = loading || requesting;
  return (
    <div className={stubGridStyles.root} style={sizeStyle(props.width, props.height)} data-testid="pending-stubs">
      <div className={stubGridStyles.header}>
        <SummaryBar summary={props.summary} now={now} strings={strings} />
        <FocusZone
          direction={FocusZoneDirection.horizontal}
          role="toolbar"
          aria-label={strings.get('Command_Bar_Label')}
          className={stubGridStyles.toolbar}
        >
          <ActionButton
            disabled={candidates.eligible.length === 0 || busy || errorMessage !== undefined}
            title={strings.get(
              selectedIds.length > 0 && candidates.eligible.length === 0
                ? 'Command_RequestHydration_NotEligible'
                : 'Command_RequestHydration_Description',
            )}
            onRenderIcon={() => <StubIcon name="request" />}
            onClick={() => void requestHydration()}
          >
            {strings.get('Command_RequestHydration')}
          </ActionButton>
          <ActionButton disabled={requesting} onRenderIcon={() => <StubIcon name="refresh" />} onClick={() => latest.current.onRefresh()}>
            {strings.get('Command_Refresh')}
          </ActionButton>
          {selectedIds.length > 0 && (
            <Text aria-live="polite" data-testid="selection-count">
              {candidates.skipped.length === 0
                ? strings.get('Selection_Count', selectedIds.length)
                : strings.get('Selection_CountWithSkipped', selectedIds.length, candidates.skipped.length)}
            </Text>
          )}
        </FocusZone>
      </div>
      {notice && (
        <MessageBar
          messageBarType={notice.type}
          messageBarIconProps={notice.type === MessageBarType.success ? successIcon : errorIcon}
          dismissIconProps={dismissIcon}
          onDismiss={() => setNotice(undefined)}
          dismissButtonAriaLabel={strings.get('Notice_Dismiss')}
          isMultiline
        >
          {notice.text}
        </MessageBar>
      )}
      <div className={stubGridStyles.body}>{body}</div>
      {errorMessage === undefined && rows.length > 0 && (
        <PagingBar paging={props.paging} strings={strings} disabled={busy} onPage={(move) => latest.current.onPage(move)} />
      )}
    </div>
  );
};
