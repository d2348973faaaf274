// The webhook channel (SPEC R11): each notice POSTed as JSON to the HTTPS webhooks of the
// account's contact preferences, signed (shared/notices/signature.ts), with the notice id as
// `Idempotency-Key` — a notice sent again (a retry here, a message redelivered to the worker) is
// the same key, for the receiver to take once.
//
// Primary course, per webhook of the account:
//   1. build the body from named fields of the notice and its report — the facts of R11, nothing
//      else (R12: a field the report or notice may carry beyond them never leaves)
//   2. POST it, signed at the moment of each attempt; redirects are never followed
//   3. the answer: 2xx taken; 408, 429, 5xx, no answer (network, timeout) → again after a backoff
//      with full jitter, up to `attempts`, then WebhookUnavailableError (retryable: the message
//      comes back); a 3xx or another 4xx → WebhookRejectedError at once (permanent)
//
// An account with several webhooks: each is a part of the notice, `<index in the account's
// webhook list>-<first 16 hex digits of the URL's SHA-256>` ('1-3f9a…'; never the URL: its path
// or query may hold a token), recorded on the notice's record under the worker's lease once the
// webhook answered 2xx (delivery.recordPart). A failure at the second one fails the send; the
// retry — in any container — posts to the second only. A webhook list changed in between (an
// address fixed, one inserted before) changes the part of a different URL, which is posted to.
// What remains: a webhook that took the notice and whose answer never came (or whose record
// failed) is posted to again, under the same Idempotency-Key.

import { createHash } from 'node:crypto';
import type { NoticeKind } from '#adapters/dynamodb/notice-repository.ts';
import type { ContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { type NoticeChannel, type NoticeDelivery, NoticeDeliveryError } from './deliver.ts';
import { excludedMinutesOf, howToClaimText, type Language, type NoticeToRender } from './render.ts';
import { RetryPolicy, type RetrySettings } from './retry-policy.ts';
import { type Secret, SIGNATURE_HEADER, signatureHeader } from './signature.ts';

export type { Language };

/** timeoutMs: one attempt, from the request to the response's status */
export interface WebhookChannelSettings extends RetrySettings {
  /** the signing secret, or where to get it (called for each send: a cached parameter) */
  readonly secret: Secret | (() => Promise<Secret>);
  readonly fetch?: typeof fetch;
  readonly now: () => Date;
}

// ---------------------------------------------------------------------------------------------
// Errors: each names the notice, the webhook's origin (never its path or query: they may hold a
// token) and the status

/** The webhook did not take the notice for now (408, 429, 5xx, no answer) after every attempt. */
export class WebhookUnavailableError extends NoticeDeliveryError {
  override readonly name = 'WebhookUnavailableError';
  readonly code = 'WEBHOOK_UNAVAILABLE';
  readonly retryable = true;

  constructor(
    readonly noticeId: string,
    readonly origin: string,
    /** the last answer's status; undefined when there was none */
    readonly status: number | undefined,
    readonly attempts: number,
    /** the last failure without an answer: 'timeout', or the network error's name */
    readonly failure?: string,
  ) {
    const what = status === undefined ? `gave no answer (${failure ?? 'network error'})` : `answered ${status}`;
    super(`notice ${noticeId}: webhook ${origin} ${what} after ${attempts} attempt(s)`);
  }
}

/** The webhook refused the notice for what it is (a 4xx, a redirect), or cannot be posted to: no retry helps. */
export class WebhookRejectedError extends NoticeDeliveryError {
  override readonly name = 'WebhookRejectedError';
  readonly code = 'WEBHOOK_REJECTED';
  readonly retryable = false;

  constructor(
    readonly noticeId: string,
    readonly origin: string,
    /** the answer's status; undefined when the webhook was not called */
    readonly status: number | undefined,
    readonly reason: string,
  ) {
    super(`notice ${noticeId}: webhook ${origin} ${status === undefined ? '' : `answered ${status}: `}${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The body: the facts of R11, by name

export interface WebhookNotice {
  readonly noticeId: string;
  readonly kind: NoticeKind;
  readonly accountId: string;
  readonly orderId: string;
  readonly month: string;
  readonly availabilityPercent: string;
  readonly unavailableMinutes: number;
  /** minutes excluded, by clause of §4 */
  readonly excludedMinutes: Readonly<Record<string, number>>;
  readonly compensationPercent: number;
  readonly voucher: string;
  readonly claimWindow: { readonly opensOn: string; readonly closesOn: string } | null;
  readonly howToClaim: {
    readonly channel: 'ticket';
    readonly userId: string;
    readonly orderId: string;
    readonly text: string;
  };
  /** a correction: what the notice before it told */
  readonly previous?: { readonly compensationPercent: number; readonly voucher: string };
}

/**
 * The webhook body of a notice: named fields only, copied one by one. Every kind has the same
 * fields (a reminder: those of the window-open it follows, the window still open); a correction
 * adds what the notice before it told. The claim text and the clause filter are the email's
 * (shared/notices/render.ts), so both channels tell the same thing.
 */
export const webhookNoticeOf = ({ notice, report }: NoticeToRender, language: Language): WebhookNotice => {
  const claimWindow = report.claimWindow
    ? { opensOn: report.claimWindow.opensOn, closesOn: report.claimWindow.closesOn }
    : null;
  const excludedMinutes = excludedMinutesOf(report.excludedMinutes);
  return {
    noticeId: notice.noticeId,
    kind: notice.kind,
    accountId: notice.accountId,
    orderId: notice.orderId,
    month: notice.month,
    availabilityPercent: report.availabilityPercent,
    unavailableMinutes: report.unavailableMinutes,
    excludedMinutes,
    compensationPercent: notice.compensationPercent,
    voucher: notice.voucher,
    claimWindow,
    howToClaim: {
      channel: 'ticket',
      userId: notice.accountId,
      orderId: notice.orderId,
      text: howToClaimText(language, notice.accountId, notice.orderId, claimWindow),
    },
    ...(notice.kind === 'correction' && notice.previous
      ? { previous: { compensationPercent: notice.previous.compensationPercent, voucher: notice.previous.voucher } }
      : {}),
  };
};

// ---------------------------------------------------------------------------------------------
// The channel

interface Target {
  readonly url: URL;
  readonly language: Language;
  /** the part of the notice this webhook is (see the top of the file) */
  readonly part: string;
}

/** The part of the notice the `index`-th webhook of the account is: its place and a digest of its URL, not the URL. */
export const webhookPartOf = (index: number, url: URL | string): string =>
  `${index}-${createHash('sha256').update(new URL(url).href).digest('hex').slice(0, 16)}`;

const webhooksOf = (contact: ContactPreferences | undefined) =>
  (contact?.channels ?? []).flatMap((c) => (c.kind === 'webhook' ? [c] : []));

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http to this machine (the embedded run, tests); anything else is refused. */
const allowed = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));

type Attempt =
  | { readonly outcome: 'taken' }
  | { readonly outcome: 'retry'; readonly status?: number; readonly failure?: string }
  | { readonly outcome: 'rejected'; readonly status: number; readonly reason: string };

const classify = (status: number): Attempt => {
  if (status >= 200 && status < 300) return { outcome: 'taken' };
  if (status === 408 || status === 429 || status >= 500) return { outcome: 'retry', status };
  if (status >= 300 && status < 400) return { outcome: 'rejected', status, reason: 'a redirect (not followed)' };
  return { outcome: 'rejected', status, reason: 'the notice was refused' };
};

export class WebhookChannel implements NoticeChannel {
  readonly name = 'webhook';
  readonly #settings: WebhookChannelSettings;
  readonly #fetch: typeof fetch;
  readonly #retry: RetryPolicy;

  constructor(settings: WebhookChannelSettings) {
    this.#retry = new RetryPolicy('webhook', settings);
    this.#settings = settings;
    this.#fetch = settings.fetch ?? globalThis.fetch;
  }

  serves(contact: ContactPreferences | undefined): boolean {
    return webhooksOf(contact).length > 0;
  }

  async send(delivery: NoticeDelivery): Promise<void> {
    const { noticeId } = delivery.notice;
    const webhooks = webhooksOf(delivery.contact);
    if (webhooks.length === 0)
      throw new WebhookRejectedError(noticeId, '(none)', undefined, 'the account has no webhook');
    const targets: Target[] = webhooks.map((w, index) => {
      let url: URL;
      try {
        url = new URL(w.url);
      } catch {
        throw new WebhookRejectedError(noticeId, '(not a URL)', undefined, 'the stored webhook is not a URL');
      }
      if (!allowed(url)) throw new WebhookRejectedError(noticeId, url.origin, undefined, 'not an https URL');
      return { url, language: w.language, part: webhookPartOf(index, url) };
    });
    // the webhooks that took the notice under an earlier lease, in any container: not posted to again
    const pending = targets.filter((t) => !delivery.sentParts.includes(t.part));
    if (pending.length === 0) return;
    const secret = typeof this.#settings.secret === 'function' ? await this.#settings.secret() : this.#settings.secret;
    for (const target of pending) {
      await this.#post(noticeId, target, JSON.stringify(webhookNoticeOf(delivery, target.language)), secret);
      await delivery.recordPart(target.part, { last: target === pending.at(-1) });
    }
  }

  async #post(noticeId: string, target: Target, body: string, secret: Secret): Promise<void> {
    const { attempts } = this.#retry;
    let last: Attempt = { outcome: 'retry' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.#backoff(attempt - 1);
      last = await this.#attempt(noticeId, target, body, secret);
      if (last.outcome === 'taken') return;
      if (last.outcome === 'rejected')
        throw new WebhookRejectedError(noticeId, target.url.origin, last.status, last.reason);
    }
    const status = last.outcome === 'retry' ? last.status : undefined;
    const failure = last.outcome === 'retry' ? last.failure : undefined;
    throw new WebhookUnavailableError(noticeId, target.url.origin, status, attempts, failure);
  }

  async #attempt(noticeId: string, target: Target, body: string, secret: Secret): Promise<Attempt> {
    let response: Response;
    try {
      response = await this.#fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          [SIGNATURE_HEADER]: signatureHeader(body, secret, this.#settings.now()),
          'Idempotency-Key': noticeId,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#retry.timeoutMs),
      });
    } catch (e) {
      const name = e instanceof Error ? e.name : 'Error';
      return { outcome: 'retry', failure: name === 'TimeoutError' ? 'timeout' : name };
    }
    // the answer's body is never read (it may hold anything): the connection is released
    await response.body?.cancel().catch(() => undefined);
    // a redirect seen by a runtime that hides it (an opaque redirect has status 0)
    if (response.type === 'opaqueredirect')
      return { outcome: 'rejected', status: response.status, reason: 'a redirect (not followed)' };
    return classify(response.status);
  }

  #backoff(retry: number): Promise<void> {
    const ms = this.#retry.backoffMs(retry);
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
