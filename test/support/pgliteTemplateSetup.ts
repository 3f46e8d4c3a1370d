/**
 * Global setup of the api jest project: makes the PGlite template cluster (pgliteTemplate.ts) before
 * any suite runs, once per PGlite version (later runs find it cached), so no suite pays for initdb.
 */
import { pgliteTemplate } from './pgliteTemplate';

export default function makePgliteTemplate(): void {
  pgliteTemplate();
}
