// Example parameters: copy, fill in, and pass with -p. The PostgreSQL password comes from the command
// line or an environment variable, never from this file.
using './main.bicep'

param namePrefix = 'dve'
param sourceUrl = 'https://contoso-sales.crm4.dynamics.com'
param targetUrl = 'https://contoso-service.crm4.dynamics.com'
param tables = 'account,contact'
param dataverseClientId = '00000000-0000-0000-0000-000000000000'
param postgresAdminPassword = readEnvironmentVariable('DVE_POSTGRES_PASSWORD')
param enableEntraIdAuthentication = false
