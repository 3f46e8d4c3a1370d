/**
 * Builds settings.json, the argument store of the paconn CLI (paconn-cli.md "Settings File";
 * validated against paconn-settings.schema.json). `environment` and `connectorId` belong to
 * whoever deploys, so they are left out: paconn prompts for them, or `paconn create -e <env>`.
 */
import { CONNECTOR_FILES } from './validation/connector-folder';

export interface PaconnSettings {
  readonly apiDefinition: string;
  readonly apiProperties: string;
  readonly icon: string;
  readonly powerAppsApiVersion: string;
  readonly powerAppsUrl: string;
}

export function buildSettings(): PaconnSettings {
  return {
    apiDefinition: CONNECTOR_FILES.definition,
    apiProperties: CONNECTOR_FILES.properties,
    icon: CONNECTOR_FILES.icon,
    powerAppsApiVersion: '2016-11-01',
    powerAppsUrl: 'https://api.powerapps.com',
  };
}
