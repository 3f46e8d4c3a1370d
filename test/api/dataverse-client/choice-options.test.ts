import { describe, expect, it } from '@jest/globals';
import type { ChoiceOption } from '../../../api/src/dataverse';
import { readChoiceOptions, readEntityDefinition } from '../../../api/src/dataverse/EntityDefinitionReader';

const label = (text: string) => ({ LocalizedLabels: [{ Label: text, LanguageCode: 1033 }], UserLocalizedLabel: { Label: text, LanguageCode: 1033 } });

describe('option sets and labels as Dataverse answers them', () => {
  it('reads a local option set, a global one, and an option without a label in the caller\'s language', () => {
    const options = new Map<string, ChoiceOption[]>();
    readChoiceOptions(
      {
        value: [
          { LogicalName: 'industrycode', OptionSet: { Options: [{ Value: 1, Label: label('Accounting') }, { Value: 2, Label: { LocalizedLabels: [], UserLocalizedLabel: null } }] }, GlobalOptionSet: null },
          { LogicalName: 'customertypecode', OptionSet: null, GlobalOptionSet: { Options: [{ Value: 3, Label: label('Customer') }] } },
          { LogicalName: 'emptychoice', OptionSet: { Options: [] } },
          { LogicalName: 'notanumber', OptionSet: { Options: [{ Value: '1', Label: label('text') }] } },
        ],
      },
      options,
    );
    expect(Object.fromEntries(options)).toEqual({
      industrycode: [{ value: 1, label: 'Accounting' }, { value: 2, label: '2' }],
      customertypecode: [{ value: 3, label: 'Customer' }],
    });
  });

  it('reads the table display name and each column\'s requirement level', () => {
    const meta = readEntityDefinition({
      LogicalName: 'account', EntitySetName: 'accounts', PrimaryIdAttribute: 'accountid', DisplayName: label('Account'),
      Attributes: [
        { LogicalName: 'name', AttributeType: 'String', IsValidForCreate: true, IsValidForUpdate: true, DisplayName: label('Account Name'), RequiredLevel: { Value: 'ApplicationRequired', CanBeChanged: true } },
        { LogicalName: 'fax', AttributeType: 'String', IsValidForCreate: true, IsValidForUpdate: true, DisplayName: { UserLocalizedLabel: null } },
      ],
    });
    expect(meta.displayName).toBe('Account');
    expect(meta.attributes).toEqual([
      { logicalName: 'name', attributeType: 'String', validForCreate: true, validForUpdate: true, displayName: 'Account Name', requiredLevel: 'ApplicationRequired' },
      { logicalName: 'fax', attributeType: 'String', validForCreate: true, validForUpdate: true, displayName: undefined, requiredLevel: undefined },
    ]);
  });
});
