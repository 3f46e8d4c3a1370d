/**
 * Places the fields of the core's errors in the request. The core names a field relative to its input
 * (`key.accountnumber`, `instance`, `top`); here each service part is wrapped so that its errors name
 * the field where the request carried it: the instance is always the URL's `{instance}`
 * (`params.instance`); an action's input is the body (`body.key.accountnumber`); a stub list's is the
 * query (`query.top`); a single stub's, a hydration request's and a table schema's are the path
 * (`params.table`, `params.id`).
 * The message, which names the field, is written again with the placed path (`ApiError.locate`).
 */
import { ApiError, type FieldLocation } from '../core/ApiError';
import type { Catalogue, EnsureActions, EnsureService, StubQueries } from '../core/EnsureService';
import type { ActionRunner } from './routes/actionResponse';

type Where = (root: string) => FieldLocation;

const inPath: Where = () => 'params';
const inBody: Where = (root) => (root === 'instance' ? 'params' : 'body');
const inQuery: Where = (root) => (root === 'instance' ? 'params' : 'query');

/** `error` with its field placed by `where`, when it is the core's; anything else as it is. */
export function placeError(error: unknown, where: Where): unknown {
  return error instanceof ApiError ? error.locate(where) : error;
}

async function placed<T>(call: () => Promise<T>, where: Where): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw placeError(error, where);
  }
}

/** The actions, their input being the request body. The durable queue runs these too, so stored answers match. */
export function actionsWithPlacedErrors(actions: EnsureActions): EnsureActions {
  return {
    ensure: (instance, input, context) => placed(() => actions.ensure(instance, input, context), inBody),
    submit: (instance, input, context) => placed(() => actions.submit(instance, input, context), inBody),
    hydrate: (instance, input, context) => placed(() => actions.hydrate(instance, input, context), inBody),
  };
}

export function stubQueriesWithPlacedErrors(stubs: StubQueries): StubQueries {
  return {
    listStubs: (instance, query) => placed(() => stubs.listStubs(instance, query), inQuery),
    getStub: (instance, table, recordId) => placed(() => stubs.getStub(instance, table, recordId), inPath),
    stubSummary: (instance, options) => placed(() => stubs.stubSummary(instance, options), inPath),
    requestHydration: (instance, stubId, requestedOn) => placed(() => stubs.requestHydration(instance, stubId, requestedOn), inPath),
  };
}

export function catalogueWithPlacedErrors(catalogue: Catalogue): Catalogue {
  return {
    instances: () => placed(() => catalogue.instances(), inPath),
    tables: (instance) => placed(() => catalogue.tables(instance), inPath),
    tableSchema: (instance, table) => placed(() => catalogue.tableSchema(instance, table), inPath),
  };
}

/** All three parts, as the routes serve them. */
export function serviceWithPlacedErrors(service: EnsureService): EnsureService {
  return { ...actionsWithPlacedErrors(service), ...stubQueriesWithPlacedErrors(service), ...catalogueWithPlacedErrors(service) };
}

/** The runner of the actions (the durable queue raises its own `unknownInstance`). */
export function runnerWithPlacedErrors(runner: ActionRunner): ActionRunner {
  return { ...runner, run: (call) => placed(() => runner.run(call), inBody) };
}
