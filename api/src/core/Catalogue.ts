/**
 * The catalogue (`Catalogue`): the configured instances with their role, live circuit state,
 * reachability (`InstanceProbe.ts`) and the tables whose stubs carry the marker (`StubMarker.ts`); an
 * instance's allowed tables; a table's JSON schema.
 */
import { withApiErrors } from './DataverseFailures';
import type { Catalogue, InstanceInfo } from './EnsureService';
import type { InstanceProbe } from './InstanceProbe';
import type { InstanceRegistry } from './InstanceRegistry';
import { tableJsonSchema } from './TableJsonSchema';

export function createCatalogue(registry: InstanceRegistry, probe: InstanceProbe): Catalogue {
  return {
    async instances() {
      const all = registry.all();
      const targets = new Set(all.map((i) => i.source).filter(Boolean));
      return Promise.all(
        all.map(async (instance) => {
          const reachability = await probe.reachability(instance, registry.stubs(instance));
          const role = instance.source ? 'target' : targets.has(instance.name) ? 'source' : 'standalone';
          const circuit = instance.breaker?.snapshot();
          // Decided once per table; an unreachable instance is not asked for metadata (it would wait for the timeout).
          const stubMarker = reachability.reachable ? await registry.stubMarkers.tables(instance, (table) => instance.client.getEntityMetadata(table)) : undefined;
          return {
            name: instance.name,
            url: instance.url,
            ...(instance.source ? { source: instance.source } : {}),
            role,
            title: instance.source ? `${instance.name} — replicated from ${instance.source}` : instance.name,
            ...reachability,
            ...(circuit ? { circuit: { state: circuit.state, ...(circuit.openUntil ? { openUntil: circuit.openUntil } : {}) } } : {}),
            ...(stubMarker ? { stubMarker } : {}),
          } satisfies InstanceInfo;
        }),
      );
    },

    async tables(instanceName) {
      const instance = registry.get(instanceName);
      return withApiErrors(instance.name, async () =>
        Promise.all(
          instance.tables.map(async (table) => {
            const meta = await instance.client.getEntityMetadata(table);
            return {
              logicalName: meta.logicalName,
              entitySetName: meta.entitySetName,
              primaryIdAttribute: meta.primaryIdAttribute,
              ...(meta.primaryNameAttribute ? { primaryNameAttribute: meta.primaryNameAttribute } : {}),
              ...(meta.displayName ? { displayName: meta.displayName } : {}),
              title: meta.displayName ? `${meta.displayName} (${meta.logicalName})` : meta.logicalName,
              keys: meta.keys.map((k) => ({ name: k.logicalName, attributes: [...k.keyAttributes] })),
            };
          }),
        ),
      );
    },

    async tableSchema(instanceName, table) {
      const instance = registry.get(instanceName);
      return withApiErrors(instance.name, async () => {
        const meta = await registry.table(instance, table, 'table');
        return tableJsonSchema(meta, await instance.client.getChoiceOptions(meta.logicalName));
      });
    },
  };
}
