/**
 * Turns a failed `listen` into a message that names the setting to change: `PORT=3000 is in use …`
 * rather than `listen EADDRINUSE: address already in use 127.0.0.1:3000`.
 */

/** The setting a port came from, as the operator would change it. */
export interface PortSetting {
  /** Environment variable, e.g. `PORT` or `DVE_INSTANCE_B_LOCAL_PORT`. */
  variable: string;
  /** The same setting in the configuration file, e.g. `port` or `instances.b.local.port`. */
  fileKey: string;
  port: number;
  host: string;
}

export class ListenError extends Error {
  constructor(message: string, readonly code: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

/** A `ListenError` naming the setting for the errors an operator can fix; anything else unchanged. */
export function explainListenError(error: unknown, setting: PortSetting): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const { variable, fileKey, port, host } = setting;
  const change = `set another port with ${variable} (file: ${fileKey}; 0 picks a free one)`;
  switch (code) {
    case 'EADDRINUSE':
      return new ListenError(`${variable}=${port} is in use on ${host} (another dataverse-ensure, or another program): stop that, or ${change}`, code, { cause: error });
    case 'EACCES':
      return new ListenError(`${variable}=${port}: not allowed to listen on ${host}:${port} (ports below 1024 need privileges): ${change}`, code, { cause: error });
    case 'EADDRNOTAVAIL':
      return new ListenError(`HOST=${host} is not an address of this machine, so ${variable}=${port} cannot be opened there: set HOST (file: host), e.g. 127.0.0.1 or 0.0.0.0`, code, { cause: error });
    default:
      return error;
  }
}

/**
 * Fails fast, before the slow parts of a start (the databases), when a fixed port is already taken:
 * listens on it and closes again. The real listen later still reports a port taken meanwhile.
 */
export async function checkPortIsFree(setting: PortSetting): Promise<void> {
  if (setting.port === 0) return;
  const { createServer } = await import('node:net');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(explainListenError(error, setting)));
    probe.listen(setting.port, setting.host, () => probe.close(() => resolve()));
  });
}
