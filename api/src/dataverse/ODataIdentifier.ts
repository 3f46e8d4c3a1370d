import { InvalidDataverseInputError } from './DataverseErrors';

/**
 * Entity set names, column (logical) names and navigation property names that go into a URL or a
 * query option. Dataverse names are `[A-Za-z_][A-Za-z0-9_]*` (publisher prefix + `_` + name); anything
 * else is refused before it can reach a URL, so no identifier can smuggle `/`, `(`, `?`, `$` or `#`.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Longest logical name Dataverse allows is 50 characters; 128 leaves room for generated names. */
const MAX_IDENTIFIER_LENGTH = 128;

/** True when `name` may be used as an entity set, column or navigation property name in a URL. */
export function isODataIdentifier(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_IDENTIFIER_LENGTH && IDENTIFIER.test(name);
}

/**
 * Returns `name` unchanged when it is a valid identifier, else throws InvalidDataverseInputError
 * naming `what` (e.g. "entity set", "column").
 */
export function assertODataIdentifier(name: unknown, what: string): string {
  if (!isODataIdentifier(name)) {
    throw new InvalidDataverseInputError(
      `${what} must match ${IDENTIFIER.source} (at most ${MAX_IDENTIFIER_LENGTH} characters); got ${describe(name)}`,
    );
  }
  return name;
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}
