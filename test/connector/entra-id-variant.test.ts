/**
 * The Entra ID variant (connector/entra-id/): the same operations as the API-key connector, with OAuth
 * 2.0 through the `aad` identity provider instead of the key, the same base-URL connection parameter
 * and dynamichosturl policy, and 0 errors / 0 warnings from the validator. It is checked offline only:
 * the API itself accepts API keys, not Entra ID tokens (see connector/README.md).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApiProperties } from '../../connector/tools/api-properties';
import { buildConnector, defaultOutput, generateConnector, runBuildConnector } from '../../connector/tools/build-connector';
import { formatFinding } from '../../connector/tools/report';
import { ENTRA_ID_PLACEHOLDERS } from '../../connector/tools/security-variants';
import { validateConnectorFolder } from '../../connector/tools/validation/validate-connector-files';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('Entra ID connector variant', () => {
  const apiKey = generateConnector();
  const entra = generateConnector({ security: 'entra-id' });
  const definition = JSON.parse(entra['apiDefinition.swagger.json']) as Json;
  const properties = JSON.parse(entra['apiProperties.json']) as Json;

  it('differs from the API-key connector only in its security', () => {
    const withoutSecurity = (text: string) => {
      const { securityDefinitions: _definitions, security: _security, ...rest } = JSON.parse(text) as Json;
      return rest;
    };
    expect(withoutSecurity(entra['apiDefinition.swagger.json'])).toEqual(withoutSecurity(apiKey['apiDefinition.swagger.json']));
    expect(entra['icon.png'].equals(apiKey['icon.png'])).toBe(true);
    expect(entra['settings.json']).toBe(apiKey['settings.json']);
  });

  it('declares OAuth 2.0 authorization code against Entra ID and requires it on every call', () => {
    expect(definition['securityDefinitions']).toEqual({
      oauth2_auth: {
        type: 'oauth2',
        flow: 'accessCode',
        authorizationUrl: 'https://login.microsoftonline.com/common/oauth2/authorize',
        tokenUrl: 'https://login.microsoftonline.com/common/oauth2/token',
        scopes: {},
      },
    });
    expect(definition['security']).toEqual([{ oauth2_auth: [] }]);
  });

  it('asks for the base URL and an aad sign-in, no API key, and keeps the dynamichosturl policy', () => {
    const parameters = properties['properties']['connectionParameters'] as Json;
    expect(Object.keys(parameters)).toEqual(['hostUrl', 'token']);
    expect(parameters['token']).toMatchObject({
      type: 'oauthSetting',
      oAuthSettings: {
        identityProvider: 'aad',
        clientId: ENTRA_ID_PLACEHOLDERS.clientId,
        redirectUrl: 'https://global.consent.azure-apim.net/redirect',
        customParameters: { resourceUri: { value: ENTRA_ID_PLACEHOLDERS.resourceUri }, tenantId: { value: 'common' }, loginUri: { value: 'https://login.microsoftonline.com' } },
      },
    });
    expect(properties['properties']['policyTemplateInstances']).toEqual((JSON.parse(apiKey['apiProperties.json']) as Json)['properties']['policyTemplateInstances']);
    expect(properties['properties']['policyTemplateInstances'][0]).toEqual(buildApiProperties().properties.policyTemplateInstances[0]);
  });

  it('the committed variant passes the validator with 0 errors and 0 warnings', async () => {
    expect((await validateConnectorFolder(defaultOutput('entra-id'))).map(formatFinding)).toEqual([]);
  });

  describe('build for one tenant', () => {
    let folder: string;
    beforeEach(() => (folder = mkdtempSync(join(tmpdir(), 'connector-entra-'))));
    afterEach(() => rmSync(folder, { recursive: true, force: true }));

    it('--variant entra-id with the app registrations of a tenant writes a valid connector with them', async () => {
      const logs = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        const code = await runBuildConnector([
          '--variant', 'entra-id', '--out', folder,
          '--entra-client-id', '3f0d8a42-6c1e-4b8e-9a57-2d4c6e8f0a1b',
          '--entra-resource-uri', 'api://dataverse-ensure.contoso.com',
          '--entra-tenant-id', '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        ]);
        expect(code).toBe(0);
        expect(logs.mock.calls.flat().join('\n')).toContain('0 error(s), 0 warning(s)');
      } finally {
        logs.mockRestore();
      }
      const built = JSON.parse(readFileSync(join(folder, 'apiProperties.json'), 'utf8')) as Json;
      expect(built['properties']['connectionParameters']['token']['oAuthSettings']).toMatchObject({
        clientId: '3f0d8a42-6c1e-4b8e-9a57-2d4c6e8f0a1b',
        customParameters: { resourceUri: { value: 'api://dataverse-ensure.contoso.com' }, tenantId: { value: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' } },
      });
      const builtDefinition = JSON.parse(readFileSync(join(folder, 'apiDefinition.swagger.json'), 'utf8')) as Json;
      expect(builtDefinition['securityDefinitions']['oauth2_auth']['tokenUrl']).toBe('https://login.microsoftonline.com/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/oauth2/token');
    });

    it('refuses an unknown variant', async () => {
      const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        expect(await runBuildConnector(['--variant', 'basic', '--out', folder])).toBe(2);
        expect(errors.mock.calls.flat().join('\n')).toContain('--variant must be one of api-key, entra-id');
      } finally {
        errors.mockRestore();
      }
    });

    it('buildConnector writes the variant it is asked for', async () => {
      expect((await buildConnector({ security: 'entra-id', outputFolder: folder })).map(formatFinding)).toEqual([]);
      expect(readFileSync(join(folder, 'apiDefinition.swagger.json'), 'utf8')).toBe(entra['apiDefinition.swagger.json']);
    });
  });
});
