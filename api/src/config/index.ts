/** Configuration: the file + environment loader, its schema, the embedded default and API keys. */
export * from './loadConfig';
export * from './ApiKeys';
export { EMBEDDED_DEFAULT_CONFIG } from './embeddedDefault';
export { ConfigFileSchema, INSTANCE_NAME, TABLE_LOGICAL_NAME, COLUMN_LOGICAL_NAME, type ApiKeyEntry, type ConfigFile } from './ConfigSchema';
export { isLoopbackHost } from './loopbackHost';
