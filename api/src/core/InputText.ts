/**
 * The core's own check of text before it writes (the HTTP layer checks first; this keeps an operation
 * accepted earlier, or another caller of the core, from slipping past): every string Dataverse would
 * refuse (`DataverseText.ts`) is `invalidRecord` naming its field in the action's input.
 */
import { ApiErrors } from './ApiErrors';
import { findRefusedText } from './DataverseText';

/** Every string in `value` (any depth, property names included) must be text Dataverse stores. */
export function refuseInvalidText(value: unknown, field: string): void {
  const found = findRefusedText(value, field);
  if (found) throw ApiErrors.textRefused(found.field, found.problem);
}
