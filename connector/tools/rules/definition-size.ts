import { CONNECTOR_FILES } from '../validation/connector-folder';
import type { RuleFamily } from '../validation/rule-context';

/** S2 step 3d: "Swagger files shouldn't be greater than 1 MB." */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/** R54: the definition file is smaller than 1 MB. */
export const definitionSizeRules: RuleFamily = {
  name: 'definition size',
  check(context) {
    const file = context.files.definition;
    if (file.present && file.bytes >= MAX_DEFINITION_BYTES) {
      context.findings.report('R54', CONNECTOR_FILES.definition, [], `the definition is ${file.bytes} bytes; it must be smaller than 1 MB (${MAX_DEFINITION_BYTES} bytes).`);
    }
  },
};
