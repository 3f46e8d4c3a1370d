/** `GET /v1/instances`: the configured Dataverse instances (helper for the connector's instance picker). */
import { Router } from 'express';
import type { Catalogue } from '../../core/EnsureService';
import { InstancesQuerySchema, parseRequestPart } from '../requestValidation';

/**
 * @swagger
 * /v1/instances:
 *   get:
 *     operationId: ListInstances
 *     summary: List instances
 *     description: Lists the Dataverse instances this service is configured for, with their source instance, whether each is reachable now and which tables mark their stubs with ec_isstub.
 *     x-ms-visibility: internal
 *     parameters:
 *       - name: role
 *         in: query
 *         required: false
 *         type: string
 *         enum: [source, target, standalone]
 *         description: Only the instances of this role; target lists those Ensure, Submit and Hydrate write to.
 *         x-ms-summary: Role
 *     responses:
 *       200:
 *         description: The configured instances.
 *         schema:
 *           $ref: '#/definitions/InstanceList'
 *       401:
 *         $ref: '#/responses/Unauthorized'
 *
 * definitions:
 *   InstanceList:
 *     type: object
 *     required: [value]
 *     properties:
 *       value:
 *         type: array
 *         description: The configured instances.
 *         x-ms-summary: Instances
 *         items:
 *           $ref: '#/definitions/Instance'
 *   Instance:
 *     type: object
 *     required: [name, url, role, title, reachable]
 *     properties:
 *       name:
 *         type: string
 *         description: The instance name used in the API paths.
 *         x-ms-summary: Instance Name
 *       url:
 *         type: string
 *         description: The environment URL of the instance.
 *         x-ms-summary: Environment URL
 *       source:
 *         type: string
 *         description: The instance records are replicated from, if any.
 *         x-ms-summary: Source Instance
 *       role:
 *         type: string
 *         enum: [source, target, standalone]
 *         description: Whether the instance is a replication source, a target, or neither.
 *         x-ms-summary: Role
 *       title:
 *         type: string
 *         description: What an instance picker shows, such as "b — replicated from a".
 *         x-ms-summary: Title
 *       reachable:
 *         type: boolean
 *         description: Whether the instance answered just now.
 *         x-ms-summary: Reachable
 *       error:
 *         type: string
 *         description: Why the instance is not reachable.
 *         x-ms-summary: Error
 *       circuit:
 *         type: object
 *         description: The circuit breaker protecting the instance.
 *         x-ms-summary: Circuit
 *         properties:
 *           state:
 *             type: string
 *             enum: [closed, open, half-open, isolated]
 *             description: closed (calls go through), open or isolated (calls are refused until openUntil), half-open (probing).
 *             x-ms-summary: State
 *           openUntil:
 *             type: string
 *             format: date-time
 *             description: When an open circuit lets a probe through.
 *             x-ms-summary: Open until
 *       stubMarker:
 *         type: array
 *         description: The tables whose stubs carry the marker column ec_isstub (Yes on a stub, No once hydrated). Absent while the instance could not be asked.
 *         x-ms-summary: Tables with the stub marker
 *         items:
 *           type: string
 *   ErrorResponse:
 *     type: object
 *     required: [error]
 *     properties:
 *       error:
 *         type: object
 *         description: What went wrong.
 *         x-ms-summary: Error
 *         required: [code, message]
 *         properties:
 *           code:
 *             type: string
 *             description: A stable error code, such as InvalidRequest or TableNotAllowed.
 *             x-ms-summary: Error Code
 *           message:
 *             type: string
 *             description: What went wrong, naming the offending field.
 *             x-ms-summary: Error Message
 *           field:
 *             type: string
 *             description: The JSON path of the offending input, such as body.key.
 *             x-ms-summary: Field
 */
export function instancesRouter(service: Pick<Catalogue, 'instances'>): Router {
  const router = Router();
  router.get('/v1/instances', async (request, response) => {
    const { role } = parseRequestPart(InstancesQuerySchema, request.query, 'query');
    const instances = await service.instances();
    response.json({ value: role ? instances.filter((instance) => instance.role === role) : instances });
  });
  return router;
}
