/**
 * `GET /health` (liveness: the process answers) and `GET /ready` (each instance reachable or not:
 * 200 when all are, else 503). Both are open, for load balancers and orchestrators; they show
 * instance names, reachability and circuit-breaker state only, no URLs or errors. Being open, `/ready`
 * must cost Dataverse nothing per call: reachability comes from the core's cached probes
 * (core/ProbeCache.ts: at most one probe per instance every 5 s, shared by concurrent callers); the
 * circuit state is read live.
 */
import { Router } from 'express';
import type { Catalogue } from '../../core/EnsureService';

export function healthRouter(service: Pick<Catalogue, 'instances'>): Router {
  const router = Router();
  router.get('/health', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/ready', async (_request, response) => {
    let instances: Array<{ name: string; reachable: boolean; circuit?: { state: string; openUntil?: string } }>;
    try {
      instances = (await service.instances()).map(({ name, reachable, circuit }) => ({ name, reachable, ...(circuit ? { circuit } : {}) }));
    } catch {
      response.status(503).json({ status: 'not-ready', instances: [] });
      return;
    }
    const ready = instances.every((instance) => instance.reachable);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not-ready', instances });
  });
  return router;
}
