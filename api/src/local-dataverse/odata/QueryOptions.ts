/**
 * System query options of a collection or record request (ref 4.1, 4.5–4.8), validated against the
 * table: unknown properties are refused as the service does, unsupported options are named.
 */
import { DataverseErrors } from '../errors/DataverseErrorFactory';
import { queryableProperties } from '../handlers/RecordRepresentation';
import type { Table } from '../schema/TableSchema';
import { parseFilter, type FilterNode } from './FilterExpression';

export interface OrderBy {
  property: string;
  descending: boolean;
}

export interface QueryOptions {
  select?: string[];
  filter?: FilterNode;
  orderBy: OrderBy[];
  top?: number;
  count: boolean;
  skipToken?: string;
}

const UNSUPPORTED = ['$expand', '$apply', '$search', '$compute'];

export function parseSelect(table: Table, text: string | null): string[] | undefined {
  if (text === null) return undefined;
  const properties = queryableProperties(table);
  const names = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const name of names) if (!properties.has(name)) throw DataverseErrors.unknownQueryProperty(name, table.logicalName);
  return names;
}

export function parseQueryOptions(table: Table, query: URLSearchParams): QueryOptions {
  for (const option of UNSUPPORTED) if (query.has(option)) throw DataverseErrors.notSupported(`The query option ${option}`);
  if (query.has('$skip')) throw DataverseErrors.skipNotSupported();
  const properties = queryableProperties(table);
  const filterText = query.get('$filter');
  const orderText = query.get('$orderby');
  const topText = query.get('$top');
  const countText = query.get('$count');
  const orderBy: OrderBy[] = [];
  if (orderText) {
    for (const part of orderText.split(',')) {
      const [property, direction, extra] = part.trim().split(/\s+/);
      if (!property || extra !== undefined || (direction !== undefined && direction !== 'asc' && direction !== 'desc')) {
        throw DataverseErrors.badUri(`The $orderby expression '${orderText}' is not valid.`);
      }
      if (!properties.has(property)) throw DataverseErrors.unknownQueryProperty(property, table.logicalName);
      orderBy.push({ property, descending: direction === 'desc' });
    }
  }
  let top: number | undefined;
  if (topText !== null) {
    top = Number(topText);
    if (!Number.isInteger(top) || top < 0) throw DataverseErrors.badUri(`Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`);
  }
  if (countText !== null && countText !== 'true' && countText !== 'false') {
    throw DataverseErrors.badUri(`'${countText}' is not a valid count option.`);
  }
  return {
    select: parseSelect(table, query.get('$select')),
    filter: filterText ? parseFilter(filterText, (name) => properties.has(name), table.logicalName) : undefined,
    orderBy,
    top,
    count: countText === 'true',
    skipToken: query.get('$skiptoken') ?? undefined,
  };
}
