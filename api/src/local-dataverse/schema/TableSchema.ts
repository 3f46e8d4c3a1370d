/**
 * The tables a local Dataverse serves are configuration, not code: this module validates a schema file
 * and derives what the Web API needs from it (entity set names, navigation properties, keys).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const identifier = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case logical name (a-z, 0-9, _)');

/**
 * What every column may carry besides its type, as Dataverse's AttributeMetadata has it: the display
 * name (`DisplayName`; default the logical name) and the requirement level (`RequiredLevel.Value`).
 */
const columnLabels = {
  displayName: z.string().min(1).optional(),
  requiredLevel: z.enum(['None', 'Recommended', 'ApplicationRequired', 'SystemRequired']).optional(),
};

const columnSchema = z.discriminatedUnion('type', [
  z.object({ ...columnLabels, type: z.literal('string'), maxLength: z.number().int().positive().max(4000) }),
  z.object({ ...columnLabels, type: z.literal('memo'), maxLength: z.number().int().positive().max(1048576) }),
  z.object({ ...columnLabels, type: z.literal('integer'), min: z.number().int().optional(), max: z.number().int().optional() }),
  z.object({ ...columnLabels, type: z.literal('decimal') }),
  z.object({ ...columnLabels, type: z.literal('money') }),
  z.object({
    ...columnLabels,
    type: z.literal('boolean'),
    /** The value a create without the column stores, as Dataverse's BooleanAttributeMetadata.DefaultValue. */
    default: z.boolean().optional(),
    /** Option labels (BooleanOptionSetMetadata TrueOption / FalseOption); Dataverse's own defaults. */
    trueLabel: z.string().min(1).default('Yes'),
    falseLabel: z.string().min(1).default('No'),
  }),
  z.object({ ...columnLabels, type: z.literal('datetime') }),
  z.object({ ...columnLabels, type: z.literal('choice'), options: z.record(z.string(), z.number().int()), default: z.number().int().optional() }),
  z.object({
    ...columnLabels,
    type: z.literal('lookup'),
    targets: z.array(identifier).min(1),
    /** Navigation property per target; defaults: the column name (one target) or `<column>_<target>`. */
    navigationProperties: z.record(z.string(), identifier).optional(),
  }),
  z.object({
    ...columnLabels,
    type: z.literal('computed'),
    /** Read-only text made from other columns, e.g. contact.fullname = firstname + ' ' + lastname. */
    concat: z.array(identifier).min(1),
    separator: z.string().default(' '),
    maxLength: z.number().int().positive(),
  }),
]);

const tableSchema = z.object({
  logicalName: identifier,
  entitySetName: identifier,
  displayName: z.string().min(1),
  primaryIdAttribute: identifier,
  primaryNameAttribute: identifier,
  columns: z.record(identifier, columnSchema),
  keys: z.array(z.object({ logicalName: identifier, attributes: z.array(identifier).min(1) })).default([]),
});

export const schemaFileSchema = z.object({ tables: z.array(tableSchema).min(1) });

export type ColumnDefinition = z.infer<typeof columnSchema>;
export type ColumnType = ColumnDefinition['type'];
type TableDefinition = z.infer<typeof tableSchema>;

export interface NavigationProperty {
  name: string;
  /** The lookup column it writes, e.g. `parentcustomerid`. */
  column: string;
  target: string;
}

export interface AlternateKey {
  logicalName: string;
  attributes: string[];
}

/** A table as the server uses it: the definition plus derived lookups. */
export interface Table {
  logicalName: string;
  entitySetName: string;
  displayName: string;
  primaryIdAttribute: string;
  primaryNameAttribute: string;
  /** Business columns from the schema file (the primary id is implicit). */
  columns: Map<string, ColumnDefinition>;
  keys: AlternateKey[];
  navigationProperties: Map<string, NavigationProperty>;
}

/** System columns every table has, as in Dataverse; the server maintains them. */
export const SYSTEM_COLUMNS = ['createdon', 'modifiedon', 'createdby', 'modifiedby', 'versionnumber'] as const;

export class Schema {
  readonly tablesByLogicalName = new Map<string, Table>();
  readonly tablesByEntitySet = new Map<string, Table>();

  constructor(definitions: TableDefinition[]) {
    for (const def of definitions) {
      const table = buildTable(def);
      if (this.tablesByLogicalName.has(table.logicalName)) throw new Error(`schema: table '${table.logicalName}' is declared twice`);
      if (this.tablesByEntitySet.has(table.entitySetName)) throw new Error(`schema: entity set '${table.entitySetName}' is declared twice`);
      this.tablesByLogicalName.set(table.logicalName, table);
      this.tablesByEntitySet.set(table.entitySetName, table);
    }
    for (const table of this.tablesByLogicalName.values()) {
      for (const nav of table.navigationProperties.values()) {
        if (!this.tablesByLogicalName.has(nav.target)) {
          throw new Error(`schema: ${table.logicalName}.${nav.column} targets unknown table '${nav.target}'`);
        }
      }
    }
  }

  static fromFile(path: string): Schema {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`schema file ${path}: ${(error as Error).message}`);
    }
    return Schema.fromJson(raw, path);
  }

  static fromJson(raw: unknown, origin = 'schema'): Schema {
    const parsed = schemaFileSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new Error(`${origin} is not a valid local Dataverse schema: ${issues}`);
    }
    return new Schema(parsed.data.tables);
  }

  table(logicalName: string): Table | undefined {
    return this.tablesByLogicalName.get(logicalName);
  }
}

function buildTable(def: TableDefinition): Table {
  const columns = new Map(Object.entries(def.columns));
  const where = `schema: table '${def.logicalName}'`;
  if (columns.has(def.primaryIdAttribute)) throw new Error(`${where}: the primary id '${def.primaryIdAttribute}' is implicit; do not list it in columns`);
  if (!columns.has(def.primaryNameAttribute)) throw new Error(`${where}: primary name '${def.primaryNameAttribute}' is not a column`);
  for (const system of SYSTEM_COLUMNS) {
    if (columns.has(system)) throw new Error(`${where}: '${system}' is a system column maintained by the server`);
  }
  const navigationProperties = new Map<string, NavigationProperty>();
  for (const [name, column] of columns) {
    if (column.type === 'computed') {
      for (const part of column.concat) if (!columns.has(part)) throw new Error(`${where}: computed '${name}' uses unknown column '${part}'`);
    }
    if (column.type !== 'lookup') continue;
    for (const target of column.targets) {
      const navName = column.navigationProperties?.[target] ?? (column.targets.length === 1 ? name : `${name}_${target}`);
      navigationProperties.set(navName, { name: navName, column: name, target });
    }
  }
  for (const key of def.keys) {
    for (const attribute of key.attributes) {
      const column = columns.get(attribute);
      if (!column) throw new Error(`${where}: key '${key.logicalName}' uses unknown column '${attribute}'`);
      if (!['string', 'integer', 'decimal', 'datetime', 'choice', 'lookup'].includes(column.type)) {
        throw new Error(`${where}: key '${key.logicalName}' column '${attribute}' has type ${column.type}, which cannot be part of a key`);
      }
    }
  }
  return {
    logicalName: def.logicalName,
    entitySetName: def.entitySetName,
    displayName: def.displayName,
    primaryIdAttribute: def.primaryIdAttribute,
    primaryNameAttribute: def.primaryNameAttribute,
    columns,
    keys: def.keys,
    navigationProperties,
  };
}
