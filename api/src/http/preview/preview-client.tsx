/**
 * Browser entry of the local preview page (bundled by `previewBundle.ts`). It renders the PendingStubs
 * PCF control's own `PendingStubsView` — imported from the control's view module, never copied — and
 * adapts the preview router's JSON to the view's props, the way the control's `index.ts` adapts
 * `ComponentFramework.Context`:
 *
 * - rows: `GET <api>/stubs` (`listStubs` of the chosen instance, oldest first), 25 a page; paging
 *   follows the skip tokens (the tokens of earlier pages are kept for "previous" / "first");
 * - sorting: on the client, over the rows of the loaded page (`listStubs` sorts by creation only);
 * - header numbers: `GET <api>/summary` (the whole table, counted server side); rows on screen when
 *   the table is too large to count;
 * - "Request hydration": the control's own `requestHydration`, whose updater PATCHes
 *   `ec_hydrationrequestedon` through `<api>/stubs/:id`;
 * - "Open record": there is no model-driven app here, so it shows which form would open.
 * - strings: the control's own `.resx` (1033), bundled as text and read with DOMParser.
 */
import './fabricConfig';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import {
  createLocalizedStrings,
  PendingStubsView,
  requestHydration,
  StubState,
  type PagingMove,
  type PendingStubsStringKey,
  type StubGridColumnKey,
  type StubGridSort,
  type StubRow,
  type StubSummary,
} from '../../../../pcf-control/pending-stubs/PendingStubs/PendingStubsViewModule';
import resx from '../../../../pcf-control/pending-stubs/PendingStubs/strings/PendingStubs.1033.resx';
import { PREVIEW_PAGE_SIZE, type PreviewErrorBody, type PreviewStub, type PreviewStubPage, type PreviewSummary } from './previewTypes';

const STALE_AFTER_MINUTES = 60;
const API_KEY_STORAGE = 'dataverse-ensure-preview-api-key';
const SORTABLE: readonly StubGridColumnKey[] = ['record', 'table', 'state', 'age', 'attempts', 'lastError', 'hydrationRequestedOn', 'hydratedOn'];

function resxStrings(xml: string): Map<string, string> {
  const document = new DOMParser().parseFromString(xml, 'application/xml');
  const values = new Map<string, string>();
  document.querySelectorAll('root > data').forEach((data) => {
    const name = data.getAttribute('name');
    const value = data.querySelector('value')?.textContent;
    if (name && value !== undefined && value !== null) values.set(name, value);
  });
  return values;
}

const resxValues = resxStrings(resx);
const strings = createLocalizedStrings<PendingStubsStringKey>({ getString: (id) => resxValues.get(id) ?? id });

class PreviewRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function dateOrUndefined(text: string | null | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The key as the control shows `ec_key`: the GUID of a primary-id key (the API answers it as
 * `{ <id column>: <guid> }`, the record's own id), else the alternate key's columns as JSON.
 */
function keyText(stub: PreviewStub): string {
  if (!stub.key) return '';
  const values = Object.values(stub.key);
  if (values.length === 1 && String(values[0]).toLowerCase() === stub.recordId.toLowerCase()) return stub.recordId;
  return JSON.stringify(stub.key);
}

export function rowOfStub(stub: PreviewStub): StubRow {
  return {
    id: stub.id,
    table: stub.table,
    recordId: stub.recordId,
    recordName: stub.name ?? '',
    recordKey: keyText(stub),
    state: StubState[stub.state],
    createdOn: dateOrUndefined(stub.createdOn),
    attempts: stub.attempts,
    lastError: stub.lastError ?? '',
    hydrationRequestedOn: dateOrUndefined(stub.hydrationRequestedOn),
    hydratedOn: dateOrUndefined(stub.hydratedOn),
  };
}

function sortValue(row: StubRow, column: StubGridColumnKey): string | number | undefined {
  switch (column) {
    case 'record':
      return row.recordName || row.recordKey;
    case 'table':
      return row.table;
    case 'state':
      return row.state;
    case 'age':
      // Like the control: the "age" column sorts by createdon.
      return row.createdOn?.getTime();
    case 'attempts':
      return row.attempts;
    case 'lastError':
      return row.lastError || undefined;
    case 'hydrationRequestedOn':
      return row.hydrationRequestedOn?.getTime();
    case 'hydratedOn':
      return row.hydratedOn?.getTime();
  }
}

/** The rows of the loaded page in `sort` order; empty values last in both directions. */
export function sortRows(rows: readonly StubRow[], sort: StubGridSort | undefined): StubRow[] {
  if (!sort) return [...rows];
  const direction = sort.descending ? -1 : 1;
  return [...rows].sort((left, right) => {
    const a = sortValue(left, sort.column);
    const b = sortValue(right, sort.column);
    if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
    const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
    return order * direction;
  });
}

interface PreviewAppProps {
  api: string;
  instance: string;
  instances: readonly string[];
}

interface PageState {
  number: number;
  /** Skip token of each page by index (page 1 has none). */
  tokens: readonly (string | undefined)[];
  rows: readonly StubRow[];
  nextSkipToken?: string;
}

const PreviewApp: React.FC<PreviewAppProps> = ({ api, instance, instances }) => {
  const [page, setPage] = React.useState<PageState>({ number: 1, tokens: [undefined], rows: [] });
  const [loading, setLoading] = React.useState(true);
  const [errorMessage, setErrorMessage] = React.useState<string | undefined>();
  const [sort, setSort] = React.useState<StubGridSort | undefined>();
  const [summaryVersion, setSummaryVersion] = React.useState(0);
  const [opened, setOpened] = React.useState<StubRow | undefined>();
  const [needsKey, setNeedsKey] = React.useState(false);
  const [keyDraft, setKeyDraft] = React.useState('');
  const loadId = React.useRef(0);

  const call = React.useCallback(
    async <T,>(path: string, init: RequestInit = {}): Promise<T | undefined> => {
      const key = window.sessionStorage.getItem(API_KEY_STORAGE);
      const headers: Record<string, string> = { Accept: 'application/json', ...(key ? { 'X-API-Key': key } : {}) };
      if (init.body !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(`${api}${path}`, { ...init, headers, credentials: 'same-origin' });
      if (response.status === 401) setNeedsKey(true);
      if (!response.ok) {
        const body = (await response.json().catch(() => ({}))) as PreviewErrorBody;
        throw new PreviewRequestError(body.error?.message ?? `HTTP ${response.status}`, response.status);
      }
      return response.status === 204 ? undefined : ((await response.json()) as T);
    },
    [api],
  );

  const rows = React.useMemo(() => sortRows(page.rows, sort), [page.rows, sort]);
  const instanceQuery = `instance=${encodeURIComponent(instance)}`;

  const load = React.useCallback(
    (number: number, tokens: readonly (string | undefined)[]) => {
      const id = ++loadId.current;
      const token = tokens[number - 1];
      setLoading(true);
      call<PreviewStubPage>(`/stubs?${instanceQuery}&top=${PREVIEW_PAGE_SIZE}${token ? `&skipToken=${encodeURIComponent(token)}` : ''}`).then(
        (result) => {
          if (id !== loadId.current || !result) return;
          setPage({ number, tokens, rows: result.value.map(rowOfStub), ...(result.nextSkipToken ? { nextSkipToken: result.nextSkipToken } : {}) });
          setErrorMessage(undefined);
          setLoading(false);
        },
        (error: unknown) => {
          if (id !== loadId.current) return;
          setErrorMessage((error as Error).message);
          setLoading(false);
        },
      );
    },
    [call, instanceQuery],
  );

  React.useEffect(() => load(1, [undefined]), [load]);

  const loadSummary = React.useCallback(async (): Promise<StubSummary | undefined> => {
    const summary = await call<PreviewSummary>(`/summary?${instanceQuery}`);
    if (!summary?.complete) return undefined;
    return {
      scope: 'all',
      pendingCount: summary.pendingCount,
      oldestPendingCreatedOn: dateOrUndefined(summary.oldestPendingCreatedOn),
      hydratedLast24h: summary.hydratedLast24h,
    };
  }, [call, instanceQuery]);

  const refresh = () => {
    setSummaryVersion((version) => version + 1);
    load(page.number, page.tokens);
  };

  const movePage = (move: PagingMove) => {
    if (move === 'next' && page.nextSkipToken) {
      const tokens = [...page.tokens.slice(0, page.number), page.nextSkipToken];
      load(page.number + 1, tokens);
    } else if (move === 'previous' && page.number > 1) {
      load(page.number - 1, page.tokens);
    } else if (move === 'first') {
      load(1, page.tokens);
    }
  };

  const saveKey = (event: React.FormEvent) => {
    event.preventDefault();
    window.sessionStorage.setItem(API_KEY_STORAGE, keyDraft.trim());
    setNeedsKey(false);
    setSummaryVersion((version) => version + 1);
    load(page.number, page.tokens);
  };

  return (
    <div className="preview">
      <header className="preview-header">
        <h1>Pending stubs — instance {instance}</h1>
        <p>
          Local preview of the <code>ec_DataverseEnsure.PendingStubs</code> control: the control&apos;s own components with the live{' '}
          <code>ec_stub</code> rows of this API. Sorting orders the rows of the loaded page.
        </p>
        {instances.length > 1 && (
          <nav aria-label="Instance">
            Instance:
            {instances.map((name) => (
              <React.Fragment key={name}>
                {' '}
                {name === instance ? <strong aria-current="page">{name}</strong> : <a href={`?instance=${encodeURIComponent(name)}`}>{name}</a>}
              </React.Fragment>
            ))}
          </nav>
        )}
        {needsKey && (
          <form onSubmit={saveKey} aria-label="API key">
            <label>
              This page is not opened from this machine: enter an API key of the API{' '}
              <input type="password" value={keyDraft} onChange={(event) => setKeyDraft(event.target.value)} autoComplete="off" />
            </label>{' '}
            <button type="submit">Use key</button>
          </form>
        )}
        {opened && (
          <div role="status" data-testid="open-record-notice" className="preview-notice">
            In a model-driven app this opens the <strong>{opened.table}</strong> form of record <code>{opened.recordId}</code> (
            <code>
              main.aspx?pagetype=entityrecord&amp;etn={opened.table}&amp;id={opened.recordId}
            </code>
            ).{' '}
            <button type="button" onClick={() => setOpened(undefined)}>
              Close
            </button>
          </div>
        )}
      </header>
      <PendingStubsView
        rows={rows}
        strings={strings}
        now={new Date()}
        staleAfterMinutes={STALE_AFTER_MINUTES}
        loading={loading}
        {...(errorMessage !== undefined ? { errorMessage } : {})}
        {...(sort ? { sort } : {})}
        sortableColumns={SORTABLE}
        paging={{ page: page.number, hasPreviousPage: page.number > 1, hasNextPage: page.nextSkipToken !== undefined }}
        loadSummary={loadSummary}
        summaryVersion={summaryVersion}
        onSort={setSort}
        onPage={movePage}
        onSelectionChange={() => undefined}
        onOpenRecord={(row) => setOpened(row)}
        onRequestHydration={(ids) =>
          requestHydration(
            {
              updateRecord: (_entityType, id, data) => call(`/stubs/${encodeURIComponent(id)}?${instanceQuery}`, { method: 'PATCH', body: JSON.stringify(data) }),
            },
            ids,
            new Date(),
          )
        }
        onRefresh={refresh}
      />
    </div>
  );
};

function start(): void {
  const root = document.getElementById('preview-root');
  if (!root) return;
  const instance = root.dataset['instance'] ?? '';
  const instances = (root.dataset['instances'] ?? '').split(',').filter(Boolean);
  ReactDOM.render(<PreviewApp api={root.dataset['api'] ?? ''} instance={instance} instances={instances} />, root);
}

start();
