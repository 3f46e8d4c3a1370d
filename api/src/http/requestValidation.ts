/**
 * zod schemas for every body, path parameter and query of the API, and the one function that turns a
 * zod failure into a 400 naming the field (`body.key.accountnumber: …`). Table and column names are
 * checked by shape here; whether a table is allowed for an instance is the core's allow-list check.
 * Text rules (which characters Dataverse refuses, what a key value may hold) are the core's
 * `DataverseText.ts`: every string of every request — values at any depth, property names, key values
 * in JSON or decoded from an `@odata.bind` path — is checked here, before anything is queued or sent.
 */
import { z } from 'zod';
import { COLUMN_LOGICAL_NAME, INSTANCE_NAME, TABLE_LOGICAL_NAME } from '../config/ConfigSchema';
import { readBindPath, MAX_BIND_LENGTH } from '../core/BindReferences';
import { findRefusedText, keyValueProblem } from '../core/DataverseText';
import { ApiErrors } from '../core/ApiErrors';
import { MAX_OLDER_THAN_SECONDS } from '../core/stubs/StubCursor';

/** Navigation properties keep their case (`parentcustomerid_account`, `ParentCustomerId`). */
export const NAVIGATION_PROPERTY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A record's property: a column, or `<navigation property>@odata.bind`. */
export const RECORD_PROPERTY = /^[A-Za-z_][A-Za-z0-9_]{0,127}(@odata\.bind)?$/;
export const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** `ec_key` (the key as given, JSON) is text 1000. */
export const MAX_KEY_JSON_LENGTH = 1000;
export const MAX_KEY_COLUMNS = 16;
/** `ec_recordname` is text 400. */
export const MAX_NAME_LENGTH = 400;
export const MAX_REFERENCES = 100;

export const InstanceNameSchema = z.string().regex(INSTANCE_NAME, { message: 'must be an instance name (a lower-case letter, then a-z, 0-9, _; at most 40)' });
export const TableNameSchema = z.string().regex(TABLE_LOGICAL_NAME, { message: 'must be a table logical name (a lower-case letter, then a-z, 0-9, _; at most 128)' });
const ColumnNameSchema = z.string().regex(COLUMN_LOGICAL_NAME, { message: 'must be a column logical name (a lower-case letter, then a-z, 0-9, _)' });

/** A key value: a number, or a string the key rule of `DataverseText.ts` accepts. */
const KeyValueSchema = z.union([z.string(), z.number()], { message: 'must be a string or a number' }).superRefine((value, context) => {
  const problem = keyValueProblem(value);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});

/** `{"accountid": "<guid>"}` or an alternate key's columns, e.g. `{"accountnumber": "A-100"}`. */
export const RecordKeySchema = z
  .record(ColumnNameSchema, KeyValueSchema)
  .refine((key) => Object.keys(key).length > 0, { message: 'must name at least one key column' })
  .refine((key) => Object.keys(key).length <= MAX_KEY_COLUMNS, { message: `must have at most ${MAX_KEY_COLUMNS} columns` })
  .refine((key) => JSON.stringify(key).length <= MAX_KEY_JSON_LENGTH, { message: `must be at most ${MAX_KEY_JSON_LENGTH} characters as JSON` });

const BindValueSchema = z
  .string()
  .max(MAX_BIND_LENGTH, { message: `must be at most ${MAX_BIND_LENGTH} characters` })
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  .regex(/^(?:https?:\/\/[^\s/]+\/api\/data\/v9\.\d\/|\/)?[A-Za-z_][A-Za-z0-9_]*\([^\u0000-\u001f\u007f]+\)$/, {
    message: 'must be a record path such as "/accounts(<guid>)" or "/accounts(accountnumber=\'A-100\')"',
  });

function bindKeyProblem(path: string): string | undefined {
  const reading = readBindPath(path, keyValueProblem);
  if (reading.problem !== undefined) return reading.problem;
  const key = reading.bind.key;
  if (Object.keys(key).length > MAX_KEY_COLUMNS) return `has more than ${MAX_KEY_COLUMNS} key columns`;
  if (JSON.stringify(key).length > MAX_KEY_JSON_LENGTH) return `has a key longer than ${MAX_KEY_JSON_LENGTH} characters as JSON`;
  return undefined;
}

/** Column values, plus `"<nav>@odata.bind": "/accounts(…)"` entries. */
export const RecordSchema = z
  .record(z.string().regex(RECORD_PROPERTY, { message: 'must be a column or "<navigation property>@odata.bind"' }), z.unknown())
  .superRefine((record, context) => {
    for (const [name, value] of Object.entries(record)) {
      if (!name.endsWith('@odata.bind')) continue;
      // The key inside the path, percent-decoded, gets the same rule as a key given as JSON (first:
      // its message names the offending character); then the path's shape.
      const problem = typeof value === 'string' ? bindKeyProblem(value) : undefined;
      const shape = problem === undefined ? BindValueSchema.safeParse(value) : undefined;
      const message = problem ?? (shape && !shape.success ? shape.error.issues[0]!.message : undefined);
      if (message !== undefined) context.addIssue({ code: 'custom', message, path: [name] });
    }
  })
  .refine((record) => Object.keys(record).length > 0, { message: 'must have at least one column' });

export const ReferenceSchema = z.strictObject({
  table: TableNameSchema,
  key: RecordKeySchema,
  name: z.string().max(MAX_NAME_LENGTH, { message: `must be at most ${MAX_NAME_LENGTH} characters` }).optional(),
});

export const EnsureBodySchema = z.strictObject({
  table: TableNameSchema,
  key: RecordKeySchema,
  name: z.string().max(MAX_NAME_LENGTH, { message: `must be at most ${MAX_NAME_LENGTH} characters` }).optional(),
  columns: z.record(ColumnNameSchema, z.unknown()).optional(),
});

export const SubmitBodySchema = z.strictObject({
  table: TableNameSchema,
  key: RecordKeySchema.optional(),
  record: RecordSchema,
  references: z
    .record(z.string().regex(NAVIGATION_PROPERTY, { message: 'must be a navigation property name' }), ReferenceSchema)
    .refine((references) => Object.keys(references).length <= MAX_REFERENCES, { message: `must have at most ${MAX_REFERENCES} references` })
    .optional(),
});

export const HydrateBodySchema = z.strictObject({
  table: TableNameSchema,
  key: RecordKeySchema,
  record: RecordSchema,
});

const wholeNumber = (min: number, max: number) =>
  z
    .string({ message: 'must be given once' })
    .regex(/^\d{1,10}$/, { message: 'must be a whole number' })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { message: `must be from ${min} to ${max}` });

export const StubQuerySchema = z.strictObject({
  state: z.enum(['Pending', 'Hydrated', 'Abandoned'], { message: 'must be Pending, Hydrated or Abandoned' }).optional(),
  table: TableNameSchema.optional(),
  olderThanSeconds: wholeNumber(0, MAX_OLDER_THAN_SECONDS).optional(),
  top: wholeNumber(1, 5000).optional(),
  skipToken: z
    .string({ message: 'must be given once' })
    .max(2048, { message: 'must be at most 2048 characters' })
    .regex(/^[\x21-\x7e]+$/, { message: 'must be the token of a previous page' })
    .optional(),
});

export const SchemaPartSchema = z.strictObject({
  part: z.enum(['record', 'key', 'stub'], { message: 'must be record, key or stub' }).optional(),
});
export const NoQuerySchema = z.strictObject({});
/** `GET /v1/instances?role=target`: the instances the actions may write to (the connector's instance picker). */
export const InstancesQuerySchema = z.strictObject({
  role: z.enum(['source', 'target', 'standalone'], { message: 'must be source, target or standalone' }).optional(),
});

export const InstanceParamsSchema = z.strictObject({ instance: InstanceNameSchema });
export const TableParamsSchema = z.strictObject({ instance: InstanceNameSchema, table: TableNameSchema });
export const StubParamsSchema = z.strictObject({
  instance: InstanceNameSchema,
  table: TableNameSchema,
  id: z.string().regex(GUID, { message: 'must be a GUID' }),
});

function fieldOf(location: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((field, part) => (typeof part === 'number' ? `${field}[${part}]` : `${field}.${String(part)}`), location);
}

/** Parses `value` or throws a 400 naming the first offending field (`body.key`, `query.top`…). */
export function parseRequestPart<T extends z.ZodType>(schema: T, value: unknown, location: 'body' | 'query' | 'params'): z.output<T> {
  if (location === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw ApiErrors.invalidRequest('body', 'must be a JSON object');
  }
  // Before the schema: a refused character must not reach a message, even as a property name.
  const refused = findRefusedText(value, location);
  if (refused) failWith(refused.field, refused.problem);
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const name = issue.keys[0]!;
    return failWith(fieldOf(location, [...issue.path, name]), location === 'query' ? 'is not a parameter of this operation' : 'is not a property of this object');
  }
  if (issue.code === 'invalid_key') return failWith(fieldOf(location, issue.path), issue.issues[0]?.message ?? 'is not an allowed property name');
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return failWith(fieldOf(location, issue.path), 'is required');
  return failWith(fieldOf(location, issue.path), issue.message);
}

function failWith(field: string, problem: string): never {
  throw ApiErrors.invalidRequest(field, problem);
}
