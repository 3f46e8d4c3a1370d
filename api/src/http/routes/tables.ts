/**
 * `GET /v1/instances/{instance}/tables` and `…/tables/{table}/schema`: the allowed tables and the JSON
 * schema of a table's writable columns (`part=record`), of its keys (`part=key`: the primary id and
 * every alternate key column) or of the columns a stub may be given (`part=stub`). The connector uses them to let flow authors pick a table and fill in
 * its columns instead of typing names.
 */
import { Router } from 'express';
import type { Catalogue, TableInfo, TableJsonSchema } from '../../core/EnsureService';
import { ApiErrors } from '../../core/ApiErrors';
import { InstanceParamsSchema, NoQuerySchema, parseRequestPart, SchemaPartSchema, TableParamsSchema } from '../requestValidation';

/**
 * @swagger
 * /v1/instances/{instance}/tables:
 *   get:
 *     operationId: ListTables
 *     summary: List tables
 *     description: Lists the tables an instance allows, with their entity set, primary id and alternate keys.
 *     x-ms-visibility: internal
 *     parameters:
 *       - $ref: '#/parameters/Instance'
 *     responses:
 *       200:
 *         description: The allowed tables.
 *         schema:
 *           $ref: '#/definitions/TableList'
 *       400:
 *         description: The instance name is not valid.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         $ref: '#/responses/InstanceNotFound'
 *
 * /v1/instances/{instance}/tables/{table}/schema:
 *   get:
 *     operationId: GetTableSchema
 *     summary: Get table schema
 *     description: Returns the JSON schema of a table's writable columns, or of its keys, for dynamic fields in flows.
 *     x-ms-visibility: internal
 *     parameters:
 *       - name: instance
 *         in: path
 *         required: true
 *         type: string
 *         description: The Dataverse instance.
 *         x-ms-summary: Instance
 *       - name: table
 *         in: path
 *         required: true
 *         type: string
 *         description: The table logical name.
 *         x-ms-summary: Table
 *       - name: part
 *         in: query
 *         required: false
 *         type: string
 *         enum: [record, key, stub]
 *         default: record
 *         description: Which schema to return, the writable columns (record), the key columns (key) or the plain columns a stub may be given (stub).
 *         x-ms-summary: Schema Part
 *     responses:
 *       200:
 *         description: The schema.
 *         schema:
 *           $ref: '#/definitions/TableSchema'
 *       400:
 *         description: The table name is not valid, or the table is not allowed for this instance.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *       404:
 *         description: The instance or table does not exist.
 *         schema:
 *           $ref: '#/definitions/ErrorResponse'
 *
 * definitions:
 *   TableList:
 *     type: object
 *     required: [value]
 *     properties:
 *       value:
 *         type: array
 *         description: The allowed tables.
 *         x-ms-summary: Tables
 *         items:
 *           $ref: '#/definitions/Table'
 *   Table:
 *     type: object
 *     required: [logicalName, title, entitySetName, primaryIdAttribute, keys]
 *     properties:
 *       logicalName:
 *         type: string
 *         description: The table logical name, such as account.
 *         x-ms-summary: Table Name
 *       displayName:
 *         type: string
 *         description: The table display name, such as Account.
 *         x-ms-summary: Display Name
 *       title:
 *         type: string
 *         description: What a table picker shows, such as "Account (account)".
 *         x-ms-summary: Title
 *       entitySetName:
 *         type: string
 *         description: The Web API entity set name, such as accounts.
 *         x-ms-summary: Entity Set Name
 *       primaryIdAttribute:
 *         type: string
 *         description: The primary key column, such as accountid.
 *         x-ms-summary: Primary ID Column
 *       primaryNameAttribute:
 *         type: string
 *         description: The primary name column, such as name.
 *         x-ms-summary: Primary Name Column
 *       keys:
 *         type: array
 *         description: The alternate keys of the table.
 *         x-ms-summary: Alternate Keys
 *         items:
 *           type: object
 *           properties:
 *             name:
 *               type: string
 *               description: The alternate key name.
 *               x-ms-summary: Key Name
 *             attributes:
 *               type: array
 *               description: The columns of the alternate key.
 *               x-ms-summary: Key Columns
 *               items:
 *                 type: string
 *   TableSchema:
 *     type: object
 *     required: [table, part, schema]
 *     properties:
 *       table:
 *         type: string
 *         description: The table logical name.
 *         x-ms-summary: Table Name
 *       part:
 *         type: string
 *         enum: [record, key, stub]
 *         description: Which columns the schema describes.
 *         x-ms-summary: Schema Part
 *       schema:
 *         type: object
 *         description: A JSON schema of the columns.
 *         x-ms-summary: Schema
 */
export function tablesRouter(service: Catalogue): Router {
  const router = Router();
  router.get('/v1/instances/:instance/tables', async (request, response) => {
    const { instance } = parseRequestPart(InstanceParamsSchema, request.params, 'params');
    parseRequestPart(NoQuerySchema, request.query, 'query');
    response.json({ value: await service.tables(instance) });
  });
  router.get('/v1/instances/:instance/tables/:table/schema', async (request, response) => {
    const { instance, table } = parseRequestPart(TableParamsSchema, request.params, 'params');
    const { part = 'record' } = parseRequestPart(SchemaPartSchema, request.query, 'query');
    const recordSchema = await service.tableSchema(instance, table);
    if (part === 'record') {
      response.json({ table, part, schema: recordSchema });
      return;
    }
    const info = (await service.tables(instance)).find((candidate) => candidate.logicalName === table);
    if (!info) throw ApiErrors.notATableOfInstance(table, instance);
    response.json({ table, part, schema: part === 'key' ? keySchema(info, recordSchema) : stubColumnsSchema(info, recordSchema) });
  });
  return router;
}

/**
 * The columns a record can be identified by: its primary id (a GUID) and every alternate key column,
 * typed as the record schema types them. None is required: one primary id, or one alternate key's
 * columns, is given.
 */
export function keySchema(table: TableInfo, recordSchema: TableJsonSchema): TableJsonSchema {
  const properties: TableJsonSchema['properties'] = {
    [table.primaryIdAttribute]: {
      type: 'string',
      format: 'uuid',
      'x-ms-summary': `${table.primaryIdAttribute} (GUID)`,
      description: `The record's primary id. Give it, or the columns of one alternate key.`,
    },
  };
  for (const key of table.keys) {
    for (const attribute of key.attributes) {
      const column = recordSchema.properties[attribute];
      properties[attribute] = {
        type: column?.type ?? 'string',
        ...(column?.maxLength !== undefined ? { maxLength: column.maxLength } : {}),
        'x-ms-summary': column?.['x-ms-summary'] ?? column?.title ?? attribute,
        description: `Column of the alternate key ${key.name}.`,
      };
    }
  }
  return { type: 'object', properties };
}

/**
 * The columns Ensure record's `columns` may carry: the record schema without what the API refuses there
 * (the primary id and every lookup, `…@odata.bind`) and without what the stub gets otherwise (the
 * alternate key columns, from `key`, and the primary name, from `name`). Nothing is required.
 */
export function stubColumnsSchema(table: TableInfo, recordSchema: TableJsonSchema): TableJsonSchema {
  const setElsewhere = new Set([table.primaryIdAttribute, ...(table.primaryNameAttribute ? [table.primaryNameAttribute] : []), ...table.keys.flatMap((key) => key.attributes)]);
  const properties: TableJsonSchema['properties'] = {};
  for (const [name, column] of Object.entries(recordSchema.properties)) {
    if (name.includes('@') || setElsewhere.has(name)) continue;
    properties[name] = column;
  }
  return { type: 'object', properties };
}
