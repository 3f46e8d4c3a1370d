/**
 * An instance's identities (application users) once the tree is valid: the file's (or the
 * environment's) `auth` — one, or a list — plus the secrets, which only the environment holds. What zod
 * cannot see is checked here: a secret that is missing, credentials over `http` or for a local
 * instance, a `localUser` anywhere but the local Dataverse, a certificate file that does not exist, two
 * identities with one name.
 */
import { existsSync } from 'node:fs';
import { type DataverseAuth, isLocalEnvironmentUrl } from '../dataverse';
import type { AuthFile, InstanceFile } from './ConfigSchema';
import { instanceVariable, type InstanceSecrets, type InstanceVariable } from './environmentVariables';

/** One application user of an instance, as `WebApiClient` takes it. */
export interface InstanceIdentity {
  /** Its label in logs and metrics: the file's `name`, else its position (`1`, `2`, …). */
  name: string;
  auth: DataverseAuth;
  maxConcurrent?: number;
}

/**
 * `{ auth }` for one plain identity (as before lists existed; none: the client's default), else
 * `{ identities }`: a list, or one identity with a `name` or `maxConcurrent`.
 */
export function buildIdentities(
  name: string,
  instance: InstanceFile,
  list: readonly AuthFile[] | undefined,
  secrets: readonly (InstanceSecrets | undefined)[] | undefined,
  issues: string[],
): { auth?: DataverseAuth; identities?: InstanceIdentity[] } {
  const single = instance.auth;
  if (list === undefined && (single === undefined || (single.kind !== 'localUser' && single.name === undefined && single.maxConcurrent === undefined))) {
    const auth = buildAuth(name, instance, single, undefined, secrets?.[0], issues);
    return auth === undefined ? {} : { auth };
  }
  const labels = new Set<string>();
  const identities = (list ?? [single!]).map((entry, index) => {
    const label = entry.name ?? String(index + 1);
    if (labels.has(label)) issues.push(`${authPath(name, list === undefined ? undefined : index)}.name: "${label}" is already the name of another identity of this instance`);
    labels.add(label);
    const auth = buildAuth(name, instance, entry, list === undefined ? undefined : index, secrets?.[index], issues)!;
    return { name: label, auth, ...(entry.maxConcurrent !== undefined ? { maxConcurrent: entry.maxConcurrent } : {}) };
  });
  return { identities };
}

const authPath = (name: string, index: number | undefined) => `instances.${name}.auth${index === undefined ? '' : `[${index}]`}`;

function buildAuth(name: string, instance: InstanceFile, auth: AuthFile | undefined, index: number | undefined, secrets: InstanceSecrets | undefined, issues: string[]): DataverseAuth | undefined {
  const path = authPath(name, index);
  const identity = index ?? 0;
  if (auth?.kind === 'localUser') {
    // An unsigned token: only the local Dataverse takes it, and nothing else may receive it.
    if (instance.local === undefined && !isLocalEnvironmentUrl(new URL(instance.url!))) {
      issues.push(`${path}: localUser is only for the local Dataverse (a "local" instance, or an http:// loopback URL)`);
    }
    return { kind: 'localUser', name: auth.name };
  }
  if (instance.local !== undefined) {
    if (auth !== undefined && auth.kind !== 'none') issues.push(`${path}: a local instance takes no credentials`);
    return { kind: 'none' };
  }
  if (auth === undefined) return undefined;
  const isHttps = new URL(instance.url!).protocol === 'https:';
  if (auth.kind !== 'none' && !isHttps) issues.push(`${path}: credentials need an https URL (a bearer token never travels in clear text)`);
  const need = (field: string, value: string | undefined, variable: InstanceVariable): string => {
    if (value === undefined || value === '') issues.push(`${path}.${field}: required for ${auth.kind} (in the file, or ${instanceVariable(name, variable, identity)})`);
    return value ?? '';
  };
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'clientSecret': {
      const tenantId = need('tenantId', auth.tenantId, 'TENANT_ID');
      const clientId = need('clientId', auth.clientId, 'CLIENT_ID');
      const clientSecret = secrets?.clientSecret;
      if (!clientSecret) issues.push(`${path}: clientSecret auth needs ${instanceVariable(name, 'CLIENT_SECRET', identity)} in the environment`);
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
