// dataverse-ensure on Azure App Service (Linux, Node 20) running the compiled build (`node dist/main.js`),
// with Azure Database for PostgreSQL Flexible Server for the durable queue, Key Vault for secrets (read
// through Key Vault references by a user-assigned managed identity), App Service's health check on
// /health, and optional built-in authentication with Entra ID. Walk-through: deploy/azure/README.md.
//
// Deploy into a resource group:
//   az deployment group create -g <group> -f deploy/azure/main.bicep -p deploy/azure/main.bicepparam

@description('Prefix of every resource name (letters and digits, 3-11 characters).')
@minLength(3)
@maxLength(11)
param namePrefix string

param location string = resourceGroup().location

@description('App Service plan SKU. P0v3 and up have 4 GB or more per instance; B1 (1.75 GB) suits a trial.')
param appServiceSku string = 'P0v3'

@description('Instances of the API behind App Service\'s load balancer (they share the PostgreSQL queue).')
@minValue(1)
@maxValue(10)
param instanceCount int = 2

@description('Dataverse environment URL of the source instance, e.g. https://contoso-sales.crm4.dynamics.com')
param sourceUrl string

@description('Dataverse environment URL of the target instance (the one stubs are created in).')
param targetUrl string

@description('Comma-separated table logical names both instances allow.')
param tables string = 'account,contact'

@description('Entra ID tenant of the app registration that the service signs in to Dataverse with.')
param dataverseTenantId string = tenant().tenantId

@description('Application (client) ID of that app registration; its client secret goes to Key Vault as dataverse-client-secret.')
param dataverseClientId string

@description('PostgreSQL administrator login.')
param postgresAdminLogin string = 'dveadmin'

@description('PostgreSQL administrator password (also written to Key Vault inside the DATABASE_URL secret).')
@secure()
param postgresAdminPassword string

@description('Turn on App Service built-in authentication with Entra ID in front of the API (callers then also need a token; /health stays open).')
param enableEntraIdAuthentication bool = false

@description('Application (client) ID of the app registration that represents the API, for built-in authentication.')
param apiAppClientId string = ''

var suffix = uniqueString(resourceGroup().id)
var siteName = '${namePrefix}-api-${suffix}'
var publicUrl = 'https://${siteName}.azurewebsites.net'
var databaseName = 'dataverse_ensure'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${namePrefix}-id-${suffix}'
  location: location
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: '${namePrefix}kv${take(suffix, 10)}'
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
  }
}

// The identity reads secrets (Key Vault references), nothing else.
var keyVaultSecretsUserRole = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6')
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUserRole)
  scope: vault
  properties: {
    roleDefinitionId: keyVaultSecretsUserRole
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: '${namePrefix}-pg-${suffix}'
  location: location
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32 }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: 'Disabled' }
    authConfig: { passwordAuth: 'Enabled', activeDirectoryAuth: 'Disabled' }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// Public access limited to Azure services (0.0.0.0); use VNet integration and private access in production.
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'database-url'
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

resource plan 'Microsoft.Web/serverfarms@2022-09-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'linux'
  sku: { name: appServiceSku, capacity: instanceCount }
  properties: { reserved: true }
}

// `@Microsoft.KeyVault(SecretUri=…)` without a version: App Service picks up a rotated secret within 24 h
// (or on restart). The secrets themselves are set with `az keyvault secret set` (README.md).
var secretRef = '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/'

resource site 'Microsoft.Web/sites@2022-09-01' = {
  name: siteName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node dist/main.js'
      alwaysOn: true
      healthCheckPath: '/health'
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // App Service passes the port to listen on in PORT; HOST must accept its front ends.
        { name: 'HOST', value: '0.0.0.0' }
        { name: 'PUBLIC_URL', value: publicUrl }
        { name: 'NODE_ENV', value: 'production' }
        { name: 'LOG_FORMAT', value: 'json' }
        // /home is the app's persistent storage; with DATABASE_URL the data folder holds no database.
        { name: 'DATA_DIR', value: '/home/data' }
        { name: 'DATABASE_URL', value: '${secretRef}database-url/)' }
        { name: 'API_KEYS', value: '${secretRef}api-keys/)' }
        { name: 'DVE_INSTANCE_A_URL', value: sourceUrl }
        { name: 'DVE_INSTANCE_A_TABLES', value: tables }
        { name: 'DVE_INSTANCE_A_TENANT_ID', value: dataverseTenantId }
        { name: 'DVE_INSTANCE_A_CLIENT_ID', value: dataverseClientId }
        { name: 'DVE_INSTANCE_A_CLIENT_SECRET', value: '${secretRef}dataverse-client-secret/)' }
        { name: 'DVE_INSTANCE_B_URL', value: targetUrl }
        { name: 'DVE_INSTANCE_B_SOURCE', value: 'a' }
        { name: 'DVE_INSTANCE_B_TABLES', value: tables }
        { name: 'DVE_INSTANCE_B_TENANT_ID', value: dataverseTenantId }
        { name: 'DVE_INSTANCE_B_CLIENT_ID', value: dataverseClientId }
        { name: 'DVE_INSTANCE_B_CLIENT_SECRET', value: '${secretRef}dataverse-client-secret/)' }
        // The zip already holds dist/ and the production node_modules: no build on the server.
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        // Instances failing /health are replaced after this many minutes.
        { name: 'WEBSITE_HEALTHCHECK_MAXPINGFAILURES', value: '5' }
      ]
    }
  }
  dependsOn: [secretsUser]
}

resource authentication 'Microsoft.Web/sites/config@2022-09-01' = if (enableEntraIdAuthentication) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: ['/health']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiAppClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: ['api://${apiAppClientId}', apiAppClientId]
        }
      }
    }
  }
}

output siteName string = site.name
output publicUrl string = publicUrl
output keyVaultName string = vault.name
output managedIdentityClientId string = identity.properties.clientId
output postgresServer string = postgres.properties.fullyQualifiedDomainName
