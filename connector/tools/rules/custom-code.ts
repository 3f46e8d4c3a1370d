import { CONNECTOR_FILES } from '../validation/connector-folder';
import type { RuleFamily } from '../validation/rule-context';
import { isObject, operationsOf } from '../validation/swagger-model';
import { MAX_DEFINITION_BYTES } from './definition-size';

/** S11 "Supported namespaces": the only `using` directives custom code may have. */
export const SCRIPT_NAMESPACES = [
  'System', 'System.Collections', 'System.Collections.Generic', 'System.Diagnostics', 'System.IO', 'System.IO.Compression',
  'System.Linq', 'System.Net', 'System.Net.Http', 'System.Net.Http.Headers', 'System.Net.Security', 'System.Security.Authentication',
  'System.Security.Cryptography', 'System.Text', 'System.Text.RegularExpressions', 'System.Threading', 'System.Threading.Tasks',
  'System.Web', 'System.Xml', 'System.Xml.Linq', 'System.Drawing', 'System.Drawing.Drawing2D', 'System.Drawing.Imaging',
  'Microsoft.Extensions.Logging', 'Newtonsoft.Json', 'Newtonsoft.Json.Linq',
] as const;

/** R55: script.csx (when present) is a `Script : ScriptBase` with ExecuteAsync, < 1 MB, allowed namespaces; scriptOperations exist. */
export const customCodeRules: RuleFamily = {
  name: 'custom code',
  check(context) {
    const script = context.files.script;
    if (script !== undefined) {
      const report = (message: string): void => context.findings.report('R55', CONNECTOR_FILES.script, [], message);
      if (!/class\s+Script\s*:\s*ScriptBase\b/.test(script)) report('custom code must declare "public class Script : ScriptBase".');
      if (!/\bExecuteAsync\s*\(/.test(script)) report('custom code must implement ExecuteAsync().');
      if (Buffer.byteLength(script, 'utf8') >= MAX_DEFINITION_BYTES) report('custom code must be smaller than 1 MB.');
      for (const match of script.matchAll(/^\s*using\s+([A-Za-z0-9_.]+)\s*;/gm)) {
        if (!(SCRIPT_NAMESPACES as readonly string[]).includes(match[1]!)) report(`namespace ${match[1]!} is not supported in custom code.`);
      }
    }
    const properties = context.properties?.['properties'];
    const scriptOperations = isObject(properties) ? properties['scriptOperations'] : undefined;
    if (!Array.isArray(scriptOperations) || !context.definition) return;
    const ids = new Set(operationsOf(context.definition).map((entry) => entry.operation['operationId']));
    scriptOperations.forEach((id, index) => {
      if (!ids.has(id)) context.findings.report('R55', CONNECTOR_FILES.properties, ['properties', 'scriptOperations', index], `scriptOperations names ${JSON.stringify(id)}, which is not an operationId of the definition.`);
    });
  },
};
