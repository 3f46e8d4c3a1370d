import { reportDefinition, type RuleContext, type RuleFamily } from '../validation/rule-context';
import { isObject, stringOf } from '../validation/swagger-model';

/**
 * Power Platform product names a connector title (R04, error) or description (R07, warning) must
 * not use (S2 "Can't contain … any of our Power Platform product names (for example, "Power Apps")").
 * "Dataverse" is deliberately not listed: S2 gives no list, and certified connectors to Dataverse
 * name it; the lead decides if certification review should treat it as a product name.
 */
export const POWER_PLATFORM_PRODUCT_NAMES = [
  'Power Apps',
  'PowerApps',
  'Power Automate',
  'Microsoft Flow',
  'Power BI',
  'PowerBI',
  'Power Pages',
  'Power Platform',
  'Power Virtual Agents',
  'Copilot Studio',
] as const;

/** S2 step 3b: at most two of these, separated by ";". */
export const CONNECTOR_CATEGORIES = [
  'AI',
  'Business Management',
  'Business Intelligence',
  'Collaboration',
  'Commerce',
  'Communication',
  'Content and Files',
  'Finance',
  'Data',
  'Human Resources',
  'Internet of Things',
  'IT Operations',
  'Lifestyle and Entertainment',
  'Marketing',
  'Productivity',
  'Sales and CRM',
  'Security',
  'Social Media',
  'Website',
] as const;

const REQUIRED_METADATA = ['Website', 'Privacy policy', 'Categories'] as const;

export function namedProducts(text: string): string[] {
  const lower = text.toLowerCase();
  return POWER_PLATFORM_PRODUCT_NAMES.filter((name) => lower.includes(name.toLowerCase()));
}

function checkTitle(context: RuleContext, title: unknown): void {
  const path = ['info', 'title'];
  if (typeof title !== 'string' || title.trim() === '') {
    reportDefinition(context, 'R02', path, 'info.title is required: the connector name people see.', 'RequiredPropertyMissing');
    return;
  }
  if (!/^[\x20-\x7E]+$/.test(title)) reportDefinition(context, 'R02', path, `title "${title}" must be written in English (printable ASCII).`, 'ValueMustBeInEnglish');
  if (title.length > 30) reportDefinition(context, 'R03', path, `title is ${title.length} characters; at most 30 are allowed.`, 'FieldLengthExceeded');
  const restricted = [/\bAPI\b/i.test(title) ? 'API' : '', /connector/i.test(title) ? 'Connector' : '', ...namedProducts(title)].filter(Boolean);
  if (restricted.length > 0) reportDefinition(context, 'R04', path, `title "${title}" contains the restricted word(s) ${restricted.map((w) => `"${w}"`).join(', ')}.`, 'ValueContainsRestrictedWords');
  if (!/[A-Za-z0-9)]$/.test(title)) reportDefinition(context, 'R05', path, `title "${title}" must end with an alphanumeric character.`);
}

function checkDescription(context: RuleContext, description: unknown): void {
  const path = ['info', 'description'];
  if (typeof description !== 'string') {
    reportDefinition(context, 'R06', path, 'info.description is required (30 to 500 characters).', 'RequiredPropertyMissing');
    return;
  }
  if (description.length < 30 || description.length > 500) {
    reportDefinition(context, 'R06', path, `description is ${description.length} characters; it must be between 30 and 500.`);
  }
  const products = namedProducts(description);
  if (products.length > 0) reportDefinition(context, 'R07', path, `description names the Power Platform product(s) ${products.join(', ')}.`);
}

function checkMetadata(context: RuleContext, metadata: unknown): void {
  const path = ['x-ms-connector-metadata'];
  const entries = Array.isArray(metadata) ? metadata.filter(isObject) : [];
  const valueOf = (name: string): unknown => entries.find((entry) => entry['propertyName'] === name)?.['propertyValue'];
  for (const name of REQUIRED_METADATA) {
    const value = valueOf(name);
    if (typeof value !== 'string' || value.trim() === '') {
      reportDefinition(context, 'R13', path, `x-ms-connector-metadata must define "${name}".`);
    }
  }
  const categories = stringOf(valueOf('Categories'));
  if (categories === undefined) return;
  const index = entries.findIndex((entry) => entry['propertyName'] === 'Categories');
  const valuePath = [...path, index, 'propertyValue'];
  const names = categories.split(';').map((name) => name.trim()).filter(Boolean);
  if (names.length > 2) reportDefinition(context, 'R13', valuePath, `${names.length} categories given; at most 2 are allowed.`, 'TooManyConnectorCategories');
  for (const name of names) {
    if (!(CONNECTOR_CATEGORIES as readonly string[]).includes(name)) {
      reportDefinition(context, 'R13', valuePath, `"${name}" is not a connector category; use one of: ${CONNECTOR_CATEGORIES.join(', ')}.`, 'InvalidConnectorCategory');
    }
  }
}

function checkContact(context: RuleContext, contact: unknown): void {
  const path = ['info', 'contact'];
  if (!isObject(contact)) {
    reportDefinition(context, 'R14', path, 'info.contact (name, url, email) tells users where to get support.');
    return;
  }
  for (const field of ['name', 'url', 'email']) {
    if (typeof contact[field] !== 'string' || contact[field] === '') reportDefinition(context, 'R14', [...path, field], `info.contact.${field} is missing.`);
  }
  const email = contact['email'];
  if (typeof email === 'string' && email !== '' && !/^[\x21-\x7E]+@[\x21-\x7E]+\.[A-Za-z]{2,}$/.test(email)) {
    reportDefinition(context, 'R14', [...path, 'email'], `"${email}" is not a valid email address.`, 'ContactEmailNotValid');
  }
}

/** R01–R07, R13, R14: the definition's version, title, description, contact and metadata. */
export const connectorInfoRules: RuleFamily = {
  name: 'connector info',
  check(context) {
    const definition = context.definition;
    if (!definition) return;
    if (definition['swagger'] !== '2.0') {
      const found = definition['openapi'] !== undefined ? `OpenAPI ${String(definition['openapi'])}` : JSON.stringify(definition['swagger']);
      reportDefinition(context, 'R01', ['swagger'], `swagger must be the string "2.0" (found ${found}); connectors use Swagger 2.0 only.`);
    }
    const info = isObject(definition['info']) ? definition['info'] : {};
    checkTitle(context, info['title']);
    checkDescription(context, info['description']);
    checkContact(context, info['contact']);
    checkMetadata(context, definition['x-ms-connector-metadata']);
  },
};
