/**
 * An instance's credentials, once the tree is valid: the file's (or the environment's) `auth` plus the
 * secrets, which only the environment holds. What zod cannot see is checked here: a secret that is
 * missing, credentials over `http` or for a local instance, a certificate file that does not exist.
 */
import { existsSync } from 'node:fs';
import type { DataverseAuth } from '../dataverse';
import type { InstanceFile } from './ConfigSchema';
import { instanceVariable, type InstanceSecrets, type InstanceVariable } from './environmentVariables';

export function buildAuth(name: string, instance: InstanceFile, secrets: InstanceSecrets | undefined, issues: string[]): DataverseAuth | undefined {
  const auth = instance.auth;
  const path = `instances.${name}.auth`;
  if (instance.local !== undefined) {
    if (auth !== undefined && auth.kind !== 'none') issues.push(`${path}: a local instance takes no credentials`);
    return { kind: 'none' };
  }
  if (auth === undefined) return undefined;
  const isHttps = new URL(instance.url!).protocol === 'https:';
  if (auth.kind !== 'none' && !isHttps) issues.push(`${path}: credentials need an https URL (a bearer token never travels in clear text)`);
  const need = (field: string, value: string | undefined, variable: InstanceVariable): string => {
    if (value === undefined || value === '') issues.push(`${path}.${field}: required for ${auth.kind} (in the file, or ${instanceVariable(name, variable)})`);
    return value ?? '';
  };
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'clientSecret': {
      const tenantId = need('tenantId', auth.tenantId, 'TENANT_ID');
      const clientId = need('clientId', auth.clientId, 'CLIENT_ID');
      const clientSecret = secrets?.clientSecret;
      if (!clientSecret) issues.push(`${path}: clientSecret auth needs ${instanceVariable(name, 'CLIENT_SECRET')} in the environment`);
      return { kind: 'clientSecret', tenantId, clientId, clientSecret: clientSecret ?? '' };
    }
    case 'clientCertificate': {
      const tenantId = need('tenantId', auth.tenantId, 'TENANT_ID');
      const clientId = need('clientId', auth.clientId, 'CLIENT_ID');
      const certificatePath = need('certificatePath', auth.certificatePath, 'CERTIFICATE_PATH');
      if (certificatePath && !existsSync(certificatePath)) issues.push(`${path}.certificatePath: ${certificatePath} does not exist`);
      return {
        kind: 'clientCertificate',
        tenantId,
        clientId,
        certificatePath,
        ...(secrets?.certificatePassword ? { certificatePassword: secrets.certificatePassword } : {}),
        ...(auth.sendCertificateChain !== undefined ? { sendCertificateChain: auth.sendCertificateChain } : {}),
      };
    }
    case 'managedIdentity':
      return { kind: 'default', ...(auth.clientId ? { managedIdentityClientId: auth.clientId } : {}), ...(auth.tenantId ? { tenantId: auth.tenantId } : {}) };
  }
}
