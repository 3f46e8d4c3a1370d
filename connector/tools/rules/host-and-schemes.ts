import { reportDefinition, type RuleFamily } from '../validation/rule-context';

/** S6 `host` pattern: a host name or IP, optional port, no scheme, path or template braces. */
const HOST_PATTERN = /^[^{}/ :\\]+(?::\d+)?$/;

/** R08/R09 host, R10 basePath, R11/R12 schemes. */
export const hostAndSchemesRules: RuleFamily = {
  name: 'host, basePath and schemes',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    const host = definition['host'];
    if (typeof host !== 'string' || host === '') {
      reportDefinition(context, 'R08', ['host'], 'host is required (the API host name; with a dynamic host use a placeholder and the dynamichosturl policy).');
    } else if (!HOST_PATTERN.test(host)) {
      reportDefinition(context, 'R08', ['host'], `host "${host}" must be a host name only (optional :port), without scheme, path or braces.`);
    }
    const basePath = definition['basePath'];
    if (basePath !== undefined && (typeof basePath !== 'string' || !basePath.startsWith('/'))) {
      reportDefinition(context, 'R10', ['basePath'], `basePath ${JSON.stringify(basePath)} must start with "/".`);
    }
    const schemes = definition['schemes'];
    if (!Array.isArray(schemes) || schemes.length === 0) {
      reportDefinition(context, 'R11', ['schemes'], 'schemes must list at least one transfer protocol ("https").');
      return;
    }
    schemes.forEach((scheme, index) => {
      if (scheme === 'ws' || scheme === 'wss') {
        reportDefinition(context, 'R11', ['schemes', index], `WebSocket scheme "${scheme}" is not supported.`, 'SchemeNotSupported');
      } else if (scheme !== 'http' && scheme !== 'https') {
        reportDefinition(context, 'R11', ['schemes', index], `scheme ${JSON.stringify(scheme)} is not one of http, https.`, 'SchemeNotValid');
      }
    });
  },
};
