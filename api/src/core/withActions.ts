/**
 * For decorators of the `EnsureService` (metrics, stub events): the service with its three actions
 * replaced. Every other member — listStubs, …, and what the service has beyond the interface, such as
 * the core's close() — is the wrapped service's own, so the decorator keeps the type it was given.
 */
import type { EnsureService } from './EnsureService';

export type ActionMethods = Pick<EnsureService, 'ensure' | 'submit' | 'hydrate'>;

export function withActions<S extends EnsureService>(service: S, actions: ActionMethods): S {
  return new Proxy(service, {
    get(target, property) {
      if (property === 'ensure' || property === 'submit' || property === 'hydrate') return actions[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
