// How a channel retries a medium that did not take a notice: a number of attempts, each bounded by
// a timeout, and between them a backoff that doubles at each retry with full jitter (a random part
// of backoffMs × 2^(retry−1), never above maxBackoffMs). The webhook and email channels share it.

export interface RetrySettings {
  /** one attempt, from the request to the answer */
  readonly timeoutMs: number;
  /** attempts in all, the first included (≥ 1) */
  readonly attempts: number;
  /** the backoff before the second attempt; it doubles at each attempt (full jitter: a random part of it) */
  readonly backoffMs: number;
  /** the longest backoff (default 32 × backoffMs) */
  readonly maxBackoffMs?: number;
  /** [0, 1): the jitter (default Math.random) */
  readonly random?: () => number;
}

export class RetryPolicy {
  readonly attempts: number;
  readonly timeoutMs: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #random: () => number;

  /** `medium` names the channel in the RangeError of a setting that cannot work. */
  constructor(medium: string, settings: RetrySettings) {
    if (!Number.isInteger(settings.attempts) || settings.attempts < 1)
      throw new RangeError(`${medium} attempts must be a whole number ≥ 1, got ${settings.attempts}`);
    if (!(settings.timeoutMs > 0)) throw new RangeError(`${medium} timeoutMs must be > 0, got ${settings.timeoutMs}`);
    if (!(settings.backoffMs >= 0)) throw new RangeError(`${medium} backoffMs must be ≥ 0, got ${settings.backoffMs}`);
    this.attempts = settings.attempts;
    this.timeoutMs = settings.timeoutMs;
    this.#backoffMs = settings.backoffMs;
    this.#maxBackoffMs = settings.maxBackoffMs ?? 32 * settings.backoffMs;
    this.#random = settings.random ?? Math.random;
  }

  /** The wait before retry number `retry` (1 = before the second attempt), in whole ms. */
  backoffMs(retry: number): number {
    const ceiling = Math.min(this.#maxBackoffMs, this.#backoffMs * 2 ** (retry - 1));
    return Math.floor(this.#random() * ceiling);
  }
}
