/** Two in-memory local Dataverse instances (a = source, b = target) and the core wired to them over HTTP. */
import type { LocalDataverse } from '../../../api/src/local-dataverse';
import type { WebApiClient } from '../../../api/src/dataverse';
import { createEnsureCore, type EnsureCore, type SubmitStrategy } from '../../../api/src/core/createEnsureCore';
import { serviceWithPlacedErrors } from '../../../api/src/http/errorFields';
import type { CallContext } from '../../../api/src/core/EnsureService';
import type { StubChangeObserver } from '../../../api/src/core/stubs';
import { startLocalAB } from '../../support/abInstances';

export const context: CallContext = { origin: 'test:core' };

export class CoreFixture {
  a!: LocalDataverse;
  b!: LocalDataverse;
  clientA!: WebApiClient;
  clientB!: WebApiClient;
  core!: EnsureCore;

  /** `stubEvents`: where the core reports the stub changes it writes (a `StubEventBus`). */
  async start(submitStrategy?: SubmitStrategy, stubEvents?: StubChangeObserver): Promise<this> {
    const ab = await startLocalAB();
    ({ a: this.a, b: this.b, clientA: this.clientA, clientB: this.clientB } = ab);
    // Errors as callers see them: the core's fields placed in the request (body.key, query.top, params.id).
    this.core = serviceWithPlacedErrors(createEnsureCore({ submitStrategy, instances: ab.instances, ...(stubEvents ? { stubEvents } : {}) }));
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([this.clientA?.close(), this.clientB?.close()]);
    await Promise.all([this.a?.close(), this.b?.close()]);
  }

  /** Raw Web API GET on an instance (independent of the product's client). */
  async get(instance: LocalDataverse, path: string): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const response = await fetch(`${instance.webApiUrl}${path}`);
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async count(instance: LocalDataverse, entitySet: string, filter?: string): Promise<number> {
    const response = await this.get(instance, `${entitySet}?$count=true&$select=createdon${filter ? `&$filter=${encodeURIComponent(filter)}` : ''}`);
    return response.body['@odata.count'];
  }

  async bRequests(): Promise<{ http: number; operations: number }> {
    const stats = (await (await fetch(`${this.b.url}/_admin/stats`)).json()) as { http: { total: number }; batchOperations: { total: number } };
    return { http: stats.http.total, operations: stats.batchOperations.total };
  }

  async resetStats(): Promise<void> {
    await fetch(`${this.b.url}/_admin/stats/reset`, { method: 'POST' });
    await fetch(`${this.a.url}/_admin/stats/reset`, { method: 'POST' });
  }
}
