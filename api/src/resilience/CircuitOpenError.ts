/**
 * The circuit of an instance is open or isolated: the request was refused without being sent.
 *
 * It is a `TransientError` (the write can be done later; nothing reached Dataverse), so code that
 * already maps transient failures keeps working; code that wants to answer `202 Accepted` and queue
 * the write checks `instanceof CircuitOpenError` first and uses `retryAfterMs`.
 */
import { TransientError, type FailedRequest } from '../dataverse/DataverseErrors';

export type CircuitRefusal = 'open' | 'isolated';

export class CircuitOpenError extends TransientError {
  /** The instance whose circuit refused the request. */
  readonly instance: string;
  /** `open`: after failures or a Retry-After; `isolated`: held open by hand. */
  readonly circuit: CircuitRefusal;
  /** When an open circuit lets a probe through; undefined while isolated. */
  readonly openUntil: Date | undefined;

  constructor(details: { instance: string; circuit: CircuitRefusal; openUntil: Date | undefined; request: FailedRequest; now?: number }) {
    const now = details.now ?? Date.now();
    const retryAfterMs = details.openUntil === undefined ? undefined : Math.max(0, details.openUntil.getTime() - now);
    super({
      message:
        details.circuit === 'isolated'
          ? `Instance '${details.instance}' is isolated: requests are held until it is released`
          : `Instance '${details.instance}' is unavailable: its circuit is open${retryAfterMs === undefined ? '' : ` for another ${retryAfterMs} ms`}`,
      request: details.request,
      retryAfterMs,
    });
    this.instance = details.instance;
    this.circuit = details.circuit;
    this.openUntil = details.openUntil;
  }
}
