/**
 * The configuration used when there is no configuration file: two local Dataverse instances, `a` (the
 * source) and `b` (the target, replicated from `a`), both allowing `account` and `contact`, persisted
 * under DATA_DIR/local-dataverse/{a,b}. Contacts have no `fullname` to write, so their stubs are named
 * through `lastname`. Both tables carry the stub marker `ec_isstub` in the local schema, so it is on.
 */
import type { ConfigFile } from './ConfigSchema';

export const EMBEDDED_DEFAULT_CONFIG: ConfigFile = {
  instances: {
    a: { local: { port: 5551 }, tables: ['account', 'contact'], stubDefaults: { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } } },
    b: { local: { port: 5552 }, source: 'a', tables: ['account', 'contact'], stubDefaults: { account: { marker: true }, contact: { nameColumn: 'lastname', marker: true } } },
  },
};
