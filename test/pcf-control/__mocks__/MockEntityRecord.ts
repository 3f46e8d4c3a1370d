/** Hand-written stand-in for ComponentFramework's DataSetApi.EntityRecord. */
type EntityRecord = ComponentFramework.PropertyHelper.DataSetApi.EntityRecord;
type EntityRecordValue = ReturnType<EntityRecord['getValue']>;

export class MockEntityRecord implements EntityRecord {
  public constructor(
    private readonly id: string,
    private readonly values: Record<string, unknown>,
    private readonly entityType = 'ec_stub',
  ) {}

  public getRecordId(): string {
    return this.id;
  }

  public getValue(columnName: string): EntityRecordValue {
    // The platform answers null for an empty cell, whatever the declared type says.
    return (this.values[columnName] ?? null) as EntityRecordValue;
  }

  public getFormattedValue(columnName: string): string {
    const value = this.values[columnName];
    if (value === null || value === undefined) return '';
    return value instanceof Date ? value.toISOString() : String(value);
  }

  public getNamedReference(): ComponentFramework.EntityReference {
    return { id: { guid: this.id }, etn: this.entityType, name: String(this.values['ec_name'] ?? '') };
  }
}
