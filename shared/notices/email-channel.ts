// The email channel (SPEC R11): each notice sent through Amazon SES (API v2, SendEmail) to the
// business email addresses of the account's contact preferences, rendered in each address's
// language (shared/notices/render.ts).
//
// Primary course, per notice:
//   1. group the account's email addresses by language, in the order the preferences list them
//      (each address once; at most 50 a message, SES's limit): one email per group, every address
//      of the group in ToAddresses
//   2. render the notice in the group's language; SendEmail it (Simple content: subject, HTML and
//      text, UTF-8) from the configured address, through the configured configuration set, tagged
//      with the notice's kind and the language only (tags reach SES event destinations: never a
//      personal datum, nor an id)
//   3. SES's answer: taken → the next group; throttled, a limit, a 5xx, no answer (network,
//      timeout) → again after a backoff with full jitter, up to `attempts`, then
//      EmailUnavailableError (retryable: the message comes back); sending paused (the account or
//      the configuration set) → EmailUnavailableError at once (retryable later: no backoff of a
//      few seconds ends a pause; the queue's retries and the DLQ's redrive do); a rejection (the
//      message, the sending domain, the request, the account suspended, another 4xx) →
//      EmailRejectedError at once (permanent)
//
// Idempotency. SES has no idempotency key: a SendEmail taken is an email sent, a second one is a
// second email. What keeps a notice to one email per group:
//   - the worker records the channel as sent once send() returns (deliver.ts), so a message
//     redelivered after that never comes here again;
//   - each group is a part of the notice, `<language>/<index of the group in its language>`
//     ('zh-CN/0'): once SES took it, it is recorded on the notice's record in DynamoDB under the
//     worker's lease (delivery.recordPart), and every later attempt — in this container or any
//     other, after a cold start, a failure at a later group, a crash — skips it
//     (delivery.sentParts). A group recorded stays sent when the customer changes the addresses
//     of its language afterwards (a redrive after a fix sends the groups not taken, not those);
//   - within one send(), each group is retried on its own: a group taken is never sent again
//     because a later group failed;
//   - the container also remembers the groups SES took — by (notice id, language, addresses), a
//     digest, not the addresses — for the one case the record misses: SES took the group and the
//     write recording it failed (DynamoDB unavailable, or the lease lost to another worker). A
//     retry in the same container then skips the group, and records it under its own lease.
// What remains: SES took a group and its answer never came (a timeout, a connection reset): the
// next attempt sends it again; and SES took a group whose record failed (above) and the message
// comes back to another container. Both are rare and the copy is the same notice; the other
// way — a notice lost — would be worse.
//
// The SDK client's own retries should be off (maxAttempts: 1, functions/notice-worker.ts): the
// retries are here, so their count and their waits are known and fit the function's timeout.

import { createHash } from 'node:crypto';
import { SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { ContactPreferences } from '#adapters/dynamodb/registry-repository.ts';
import { type NoticeChannel, type NoticeDelivery, NoticeDeliveryError } from './deliver.ts';
import { type Language, renderNotice } from './render.ts';
import { RetryPolicy, type RetrySettings } from './retry-policy.ts';

/** What the channel needs of the SES v2 client (an SESv2Client is one; a test gives its own). */
export interface SesSendClient {
  send(command: SendEmailCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/** timeoutMs: one attempt, from the request to SES's answer; past it the request is aborted (and retried); attempts: per email */
export interface EmailChannelSettings extends RetrySettings {
  readonly client: SesSendClient;
  /** the verified identity (an address of a verified domain) the email comes from */
  readonly fromAddress: string;
  /** the SES configuration set (event destinations, suppression, dedicated IPs); none: the account's defaults */
  readonly configurationSetName?: string | undefined;
  /** waits `ms` (default: a timer) */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** SES takes at most 50 recipients a message. */
export const MAX_RECIPIENTS = 50;

/** Groups remembered as taken, across send() calls of one channel (oldest forgotten first). */
const REMEMBERED_GROUPS = 10_000;

// ---------------------------------------------------------------------------------------------
// Errors: each names the notice, the language of the email and SES's error name — never an
// address, nor SES's error message (it may quote one: "the following identities failed…")

/** SES did not take the email for now (throttled, a limit, a 5xx, no answer, sending paused). */
export class EmailUnavailableError extends NoticeDeliveryError {
  override readonly name = 'EmailUnavailableError';
  readonly code = 'EMAIL_UNAVAILABLE';
  readonly retryable = true;

  constructor(
    readonly noticeId: string,
    readonly language: Language,
    /** attempts made for this email */
    readonly attempts: number,
    /** the last failure: SES's error name ('TooManyRequestsException'), 'timeout', or the network error's name */
    readonly sesError: string,
    /** why it was not retried further here, when not for the attempts running out */
    readonly reason?: string,
  ) {
    super(
      `notice ${noticeId}: SES did not take the ${language} email after ${attempts} attempt(s): ${sesError}` +
        (reason === undefined ? '' : ` (${reason})`),
    );
  }
}

/** SES refused the email for what it is, or cannot send it from this account: no retry helps. */
export class EmailRejectedError extends NoticeDeliveryError {
  override readonly name = 'EmailRejectedError';
  readonly code = 'EMAIL_REJECTED';
  readonly retryable = false;

  constructor(
    readonly noticeId: string,
    /** undefined: no email was built (the account has no address) */
    readonly language: Language | undefined,
    /** SES's error name ('MessageRejected'); undefined when SES was not called */
    readonly sesError: string | undefined,
    readonly reason: string,
  ) {
    const what = language === undefined ? 'email' : `${language} email`;
    super(`notice ${noticeId}: ${what} rejected${sesError === undefined ? '' : ` by SES (${sesError})`}: ${reason}`);
  }
}

// ---------------------------------------------------------------------------------------------
// SES's answers

/** The email, the sender or the account is wrong: the same request fails again. */
const PERMANENT: Readonly<Record<string, string>> = {
  MessageRejected: 'the message was refused',
  MailFromDomainNotVerifiedException: 'the sending domain is not verified',
  BadRequestException: 'the request is invalid',
  NotFoundException: 'a resource of the request does not exist (the configuration set?)',
  AccountSuspendedException: 'the account may no longer send email',
};

/** Retried here, with a backoff. */
const TRANSIENT: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'InternalServiceErrorException',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Retryable, not now: the message comes back after the queue's visibility timeout. */
const LATER: Readonly<Record<string, string>> = {
  SendingPausedException: 'sending is paused; not retried now',
};

type Verdict =
  | { readonly outcome: 'retry'; readonly error: string }
  | { readonly outcome: 'later'; readonly error: string; readonly reason: string }
  | { readonly outcome: 'rejected'; readonly error: string; readonly reason: string };

interface SdkErrorShape {
  readonly name?: unknown;
  readonly $retryable?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const classify = (e: unknown): Verdict => {
  const shape = (typeof e === 'object' && e !== null ? e : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' && shape.name !== '' ? shape.name : 'Error';
  if (name === 'AbortError' || name === 'TimeoutError') return { outcome: 'retry', error: 'timeout' };
  const permanent = PERMANENT[name];
  if (permanent !== undefined) return { outcome: 'rejected', error: name, reason: permanent };
  const later = LATER[name];
  if (later !== undefined) return { outcome: 'later', error: name, reason: later };
  if (TRANSIENT.has(name) || shape.$retryable) return { outcome: 'retry', error: name };
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number') {
    if (status === 429 || status >= 500 || shape.$fault === 'server') return { outcome: 'retry', error: name };
    if (status >= 400) return { outcome: 'rejected', error: name, reason: `SES answered ${status}` };
  }
  // no answer from SES (a network error, credentials not loaded): worth another attempt
  return { outcome: 'retry', error: name };
};

// ---------------------------------------------------------------------------------------------
// The channel

interface Group {
  readonly language: Language;
  /** the group's place among the groups of its language (0 unless it has more than 50 addresses) */
  readonly index: number;
  readonly addresses: readonly string[];
}

/** The part of the notice a group is, as recorded on the notice ('zh-CN/0'): no address in it. */
export const emailPartOf = (group: Pick<Group, 'language' | 'index'>): string => `${group.language}/${group.index}`;

const emailsOf = (contact: ContactPreferences | undefined) =>
  (contact?.channels ?? []).flatMap((c) => (c.kind === 'email' ? [c] : []));

/** The addresses by language, in the order the preferences list them; each address once; ≤ 50 a group. */
export const emailGroupsOf = (contact: ContactPreferences | undefined): Group[] => {
  const byLanguage = new Map<Language, string[]>();
  const seen = new Set<string>();
  for (const { address, language } of emailsOf(contact)) {
    const trimmed = address.trim();
    const key = trimmed.toLowerCase();
    if (trimmed === '' || seen.has(key)) continue;
    seen.add(key);
    const addresses = byLanguage.get(language) ?? [];
    addresses.push(trimmed);
    byLanguage.set(language, addresses);
  }
  return [...byLanguage].flatMap(([language, addresses]) =>
    Array.from({ length: Math.ceil(addresses.length / MAX_RECIPIENTS) }, (_, i) => ({
      language,
      index: i,
      addresses: addresses.slice(i * MAX_RECIPIENTS, (i + 1) * MAX_RECIPIENTS),
    })),
  );
};

const groupKey = (noticeId: string, group: Group): string =>
  createHash('sha256')
    .update(JSON.stringify([noticeId, group.language, group.addresses]))
    .digest('base64url');

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class EmailChannel implements NoticeChannel {
  readonly name = 'email';
  readonly #settings: EmailChannelSettings;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  /** digests of the groups SES took in this container, recorded or not (see the top of the file) */
  readonly #taken = new Set<string>();

  constructor(settings: EmailChannelSettings) {
    this.#retry = new RetryPolicy('email', settings);
    if (settings.fromAddress.trim() === '') throw new RangeError('email fromAddress is empty');
    this.#settings = settings;
    this.#sleep = settings.sleep ?? realSleep;
  }

  serves(contact: ContactPreferences | undefined): boolean {
    return emailGroupsOf(contact).length > 0;
  }

  async send(delivery: NoticeDelivery): Promise<void> {
    const { noticeId } = delivery.notice;
    const groups = emailGroupsOf(delivery.contact);
    if (groups.length === 0) throw new EmailRejectedError(noticeId, undefined, undefined, 'the account has no email');
    const pending = groups.filter((group) => !delivery.sentParts.includes(emailPartOf(group)));
    for (const group of pending) {
      const key = groupKey(noticeId, group);
      if (!this.#taken.has(key)) {
        await this.#sendGroup(noticeId, group, this.#inputOf(delivery, group));
        this.#remember(key);
      }
      // on the record, under the lease: no attempt in any container sends the group again
      await delivery.recordPart(emailPartOf(group), { last: group === pending.at(-1) });
    }
  }

  #inputOf(delivery: NoticeDelivery, group: Group): SendEmailCommandInput {
    const email = renderNotice(delivery, group.language);
    const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });
    return {
      FromEmailAddress: this.#settings.fromAddress,
      Destination: { ToAddresses: [...group.addresses] },
      Content: {
        Simple: { Subject: utf8(email.subject), Body: { Html: utf8(email.html), Text: utf8(email.text) } },
      },
      // letters, digits, _ and - only (SES's rule for tags): the kind and the language, nothing else
      EmailTags: [
        { Name: 'notice-kind', Value: delivery.notice.kind },
        { Name: 'notice-language', Value: group.language },
      ],
      ...(this.#settings.configurationSetName === undefined
        ? {}
        : { ConfigurationSetName: this.#settings.configurationSetName }),
    };
  }

  async #sendGroup(noticeId: string, group: Group, input: SendEmailCommandInput): Promise<void> {
    const { client } = this.#settings;
    const { attempts, timeoutMs } = this.#retry;
    let last = 'Error';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await this.#sleep(this.#retry.backoffMs(attempt - 1));
      let verdict: Verdict;
      try {
        // a command per attempt: the SDK's middleware state is never shared between two requests
        await client.send(new SendEmailCommand(input), { abortSignal: AbortSignal.timeout(timeoutMs) });
        return;
      } catch (e) {
        verdict = classify(e);
      }
      if (verdict.outcome === 'rejected')
        throw new EmailRejectedError(noticeId, group.language, verdict.error, verdict.reason);
      if (verdict.outcome === 'later')
        throw new EmailUnavailableError(noticeId, group.language, attempt, verdict.error, verdict.reason);
      last = verdict.error;
    }
    throw new EmailUnavailableError(noticeId, group.language, attempts, last);
  }

  #remember(key: string): void {
    this.#taken.add(key);
    if (this.#taken.size > REMEMBERED_GROUPS) {
      const oldest = this.#taken.values().next();
      if (!oldest.done) this.#taken.delete(oldest.value);
    }
  }
}
