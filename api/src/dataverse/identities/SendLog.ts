/**
 * The requests one identity sent that Dataverse answered (and so counted), in the order their answers
 * came: when each was sent and when its answer arrived. Dataverse counts a request when it arrives,
 * which is between the two, so the answer time plus the window is the earliest moment the request has
 * surely left Dataverse's sliding window. A ring that grows by doubling up to MAX_LOGGED and then drops
 * its oldest entry: a dropped entry only makes the estimate of the budget lower, never higher.
 */
export const MAX_LOGGED = 8_192; // Dataverse allows 6,000 requests per window

export class SendLog {
  private sent = new Float64Array(16);
  private answered = new Float64Array(16);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** When the oldest logged request was sent; undefined when empty. */
  get oldestSentAt(): number | undefined {
    return this.count === 0 ? undefined : this.sent[this.head];
  }

  /** When the oldest logged request's answer arrived; undefined when empty. */
  get oldestAnsweredAt(): number | undefined {
    return this.count === 0 ? undefined : this.answered[this.head];
  }

  push(sentAt: number, answeredAt: number): void {
    if (this.count === this.sent.length) {
      if (this.count < MAX_LOGGED) this.grow();
      else this.shift();
    }
    const at = (this.head + this.count) % this.sent.length;
    this.sent[at] = sentAt;
    this.answered[at] = answeredAt;
    this.count++;
  }

  /** Drops the oldest entry. */
  shift(): void {
    if (this.count === 0) return;
    this.head = (this.head + 1) % this.sent.length;
    this.count--;
  }

  private grow(): void {
    const sent = new Float64Array(this.sent.length * 2);
    const answered = new Float64Array(this.answered.length * 2);
    for (let index = 0; index < this.count; index++) {
      const from = (this.head + index) % this.sent.length;
      sent[index] = this.sent[from]!;
      answered[index] = this.answered[from]!;
    }
    this.sent = sent;
    this.answered = answered;
    this.head = 0;
  }
}
