import { InvalidDataverseInputError } from './DataverseErrors';
import { assertODataIdentifier } from './ODataIdentifier';
import { formatODataLiteral, type KeyValue, percentEncodeODataText } from './ODataKeyLiteral';

/** One `$orderby` term (ref 4.6). */
export interface OrderBy {
  readonly column: string;
  readonly descending?: boolean;
}

/** Query options of a collection GET (ref 4.4–4.8). `$skip` does not exist in Dataverse (ref 4.6). */
export interface QueryOptions {
  readonly select?: readonly string[];
  /** A filter expression; build values into it with {@link filterEquals} / {@link filterAnyOf}. */
  readonly filter?: string;
  readonly orderBy?: readonly OrderBy[];
  /** `$top`; Dataverse ignores it when a page size is also asked (ref 4.6). */
  readonly top?: number;
  /** `$count=true` → `@odata.count` (capped at 5000, ref 4.8). */
  readonly count?: boolean;
  /** `Prefer: odata.maxpagesize=N`, 1..5000 (ref 4.7). */
  readonly maxPageSize?: number;
}

/** Options of a single-record GET (ref 4.1). */
export interface RetrieveOptions {
  readonly select?: readonly string[];
}

/** `column eq <literal>` with the column validated and the value written by formatODataLiteral. */
export function filterEquals(column: string, value: KeyValue): string {
  return `${assertODataIdentifier(column, 'filter column')} eq ${formatODataLiteral(value)}`;
}

/** `(column eq v1 or column eq v2 …)`; refuses an empty list (it would match nothing or everything). */
export function filterAnyOf(column: string, values: readonly KeyValue[]): string {
  if (values.length === 0) throw new InvalidDataverseInputError('filterAnyOf needs at least one value');
  return `(${values.map((value) => filterEquals(column, value)).join(' or ')})`;
}

function assertCount(value: number, what: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new InvalidDataverseInputError(`${what} must be a whole number from 1 to ${max}; got ${value}`);
  }
  return value;
}

/** Validates a `Prefer: odata.maxpagesize` value (1..5000, ref 4.7). */
export function assertMaxPageSize(value: number): number {
  return assertCount(value, 'maxPageSize', 5000);
}

function selectText(select: readonly string[]): string {
  if (select.length === 0) throw new InvalidDataverseInputError('$select needs at least one column');
  return select.map((column) => assertODataIdentifier(column, '$select column')).join(',');
}

/**
 * The query string (with its leading `?`, or `''`) for a record or collection GET. Identifiers are
 * validated and joined raw; the filter expression is percent-encoded whole (spaces as `%20`, never `+`).
 */
export function queryString(options: QueryOptions | RetrieveOptions): string {
  const parts: string[] = [];
  const query = options as QueryOptions;
  if (query.select !== undefined) parts.push(`$select=${selectText(query.select)}`);
  if (query.filter !== undefined) {
    if (query.filter.trim() === '') throw new InvalidDataverseInputError('$filter must not be empty');
    parts.push(`$filter=${percentEncodeODataText(query.filter)}`);
  }
  if (query.orderBy !== undefined && query.orderBy.length > 0) {
    const terms = query.orderBy.map((term) => `${assertODataIdentifier(term.column, '$orderby column')}${term.descending ? '%20desc' : '%20asc'}`);
    parts.push(`$orderby=${terms.join(',')}`);
  }
  if (query.top !== undefined) parts.push(`$top=${assertCount(query.top, '$top', 5000)}`);
  if (query.count) parts.push('$count=true');
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
