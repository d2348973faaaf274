// What differs between environments, and how `-c key=value` overrides one value of the chosen
// environment. Every value — built in or from context — goes through the same checks, and a bad one
// stops the synth with an error naming the key, where it came from and what it must be.
// No secret value is ever configured here: only the names/ARNs of secrets and identities.
import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** What differs between environments. Everything else is the same code and the same template shape. */
export interface SlaEnvironmentConfig {
  /** base URL of the probe feed (`GET {base}/probe-results?from&to`), https */
  readonly feedBaseUrl: string;
  /** an existing Secrets Manager secret holding the feed token; absent: StatefulStack creates one */
  readonly feedTokenSecretName?: string;
  /** EventBridge Scheduler expressions, evaluated in Asia/Shanghai */
  readonly feedSchedule: string;
  readonly proberSchedule: string;
  readonly logRetention: RetentionDays;
  /** SNS topic for every alarm */
  readonly alarmTopicArn?: string;
  /** the notices' sender (email channel); with sesIdentityArn, or neither: no email channel */
  readonly sesFromAddress?: string;
  /** the verified SES identity (the address or its domain) the worker may send as */
  readonly sesIdentityArn?: string;
  /** an SES configuration set the worker sends with (its name; same account and region as the identity) */
  readonly sesConfigurationSet?: string;
  /** an existing secret holding the webhook signing secret; absent: no webhook channel */
  readonly webhookSecretName?: string;
  /** an existing secret holding the claims intake's HMAC key (shared with the ticket system); absent: StatefulStack creates one */
  readonly claimsSecretName?: string;
  /** the reminder goes out this many days before the claim window closes (SPEC R11); default 7 */
  readonly reminderDaysBefore?: number;
  /** when the reminder function runs, evaluated in Asia/Shanghai; default daily at 09:00 */
  readonly reminderSchedule?: string;
  /**
   * the probe coverage alarms fire when fewer than this percentage of the accounts in service had
   * a probe result in 3 consecutive feed windows or prober runs; 1 to 100, default 95
   */
  readonly probeCoverageMinPercent?: number;
}

/** The configuration a stack is built from: defaults applied. */
export type SlaConfig = SlaEnvironmentConfig & Required<Pick<SlaEnvironmentConfig, keyof typeof DEFAULTS>>;

export const DEFAULTS = {
  reminderDaysBefore: 7,
  reminderSchedule: 'cron(0 9 * * ? *)',
  probeCoverageMinPercent: 95,
} as const satisfies Partial<SlaEnvironmentConfig>;

export const ENVIRONMENTS = {
  dev: {
    feedBaseUrl: 'https://probe-feed.dev.tcmpp-sla.example.com',
    feedSchedule: 'rate(10 minutes)',
    proberSchedule: 'rate(10 minutes)',
    logRetention: RetentionDays.TWO_WEEKS,
  },
  prod: {
    feedBaseUrl: 'https://probe-feed.tcmpp-sla.example.com',
    feedTokenSecretName: 'tcmpp-sla/prod/probe-feed-token',
    feedSchedule: 'rate(10 minutes)',
    proberSchedule: 'rate(10 minutes)',
    logRetention: RetentionDays.THREE_MONTHS,
    webhookSecretName: 'tcmpp-sla/prod/notice-webhook-signing-secret',
    claimsSecretName: 'tcmpp-sla/prod/claims-intake-signing-secret',
  },
} as const satisfies Record<string, SlaEnvironmentConfig>;

export type EnvName = keyof typeof ENVIRONMENTS;

/** The longest reminder lead: a claim window is never shorter than ~39 days (January, Spring Festival). */
export const MAX_REMINDER_DAYS_BEFORE = 30;

type Check = (value: unknown) => string | number;

/** Throws the reason a value is refused; the caller adds the key and where it came from. */
class Refused extends Error {}

const text = (value: unknown): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new Refused('a non-empty string');
  return value;
};
const matching =
  (pattern: RegExp, what: string): Check =>
  (value) => {
    const s = text(value);
    if (!pattern.test(s)) throw new Refused(what);
    return s;
  };

const httpsUrl: Check = (value) => {
  const s = text(value);
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new Refused('an https URL');
  }
  if (url.protocol !== 'https:') throw new Refused('an https URL');
  return s;
};

/** rate(N unit) | cron(6 fields) | at(yyyy-mm-ddThh:mm:ss), as EventBridge Scheduler takes them. */
const scheduleExpression: Check = (value) => {
  const s = text(value);
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(s);
  const cron = /^cron\(([^()]+)\)$/.exec(s);
  const ok =
    (rate !== null && Number(rate[1]) >= 1) ||
    (cron?.[1] !== undefined && cron[1].trim().split(/\s+/).length === 6) ||
    /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(s);
  if (!ok) throw new Refused('a schedule expression: rate(N minutes|hours|days), cron(6 fields) or at(…)');
  return s;
};

/** A whole number from `min` to `max`: a number (cdk.json) or its digits (`-c key=value`). */
const wholeNumber =
  (min: number, max: number, what: string): Check =>
  (value) => {
    const n =
      typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new Refused(`${what} from ${min} to ${max}`);
    return n;
  };

const secretName = matching(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'a Secrets Manager secret name (letters, digits, /_+=.@-)');

const CHECKS: Record<OverridableKey, Check> = {
  feedBaseUrl: httpsUrl,
  feedTokenSecretName: secretName,
  feedSchedule: scheduleExpression,
  proberSchedule: scheduleExpression,
  alarmTopicArn: matching(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/, 'an SNS topic ARN'),
  sesFromAddress: matching(/^[^@\s<>"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'an email address (name@domain)'),
  sesIdentityArn: matching(
    /^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/[^\s/]+$/,
    'an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<address or domain>)',
  ),
  sesConfigurationSet: matching(/^[A-Za-z0-9_-]{1,64}$/, 'an SES configuration set name (letters, digits, _ and -)'),
  webhookSecretName: secretName,
  claimsSecretName: secretName,
  reminderDaysBefore: wholeNumber(1, MAX_REMINDER_DAYS_BEFORE, 'a whole number of days'),
  reminderSchedule: scheduleExpression,
  probeCoverageMinPercent: wholeNumber(1, 100, 'a whole percentage'),
};

/** Context keys that override one value of the chosen environment: `-c feedBaseUrl=https://…`. */
export const OVERRIDABLE = [
  'feedBaseUrl',
  'feedTokenSecretName',
  'feedSchedule',
  'proberSchedule',
  'alarmTopicArn',
  'sesFromAddress',
  'sesIdentityArn',
  'sesConfigurationSet',
  'webhookSecretName',
  'claimsSecretName',
  'reminderDaysBefore',
  'reminderSchedule',
  'probeCoverageMinPercent',
] as const;
export type OverridableKey = (typeof OVERRIDABLE)[number];

/** The part of an SES identity ARN after `identity/`: an address or a domain. */
export const sesIdentityOf = (identityArn: string): string => identityArn.slice(identityArn.indexOf(':identity/') + 10);

/** Rules between keys. */
const crossChecks = (config: SlaConfig): void => {
  const { sesFromAddress: from, sesIdentityArn: identityArn, sesConfigurationSet } = config;
  if ((from === undefined) !== (identityArn === undefined)) {
    throw new Error(
      'sesFromAddress and sesIdentityArn go together: set both (-c sesFromAddress=… -c sesIdentityArn=…) for the email channel, or neither',
    );
  }
  if (sesConfigurationSet !== undefined && from === undefined) {
    throw new Error('sesConfigurationSet needs the email channel: set sesFromAddress and sesIdentityArn too');
  }
  if (from !== undefined && identityArn !== undefined) {
    const identity = sesIdentityOf(identityArn).toLowerCase();
    const address = from.toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const covered = identity.includes('@')
      ? address === identity
      : domain === identity || domain.endsWith(`.${identity}`);
    if (!covered) {
      throw new Error(
        `sesFromAddress ${from} is not covered by the SES identity ${sesIdentityOf(identityArn)}: use an address of that domain, or that identity's ARN`,
      );
    }
  }
};

/** The chosen environment (context `env`, default dev) with its context overrides, checked. */
export const configFromContext = (app: App): { envName: EnvName; config: SlaConfig } => {
  const envName: unknown = app.node.tryGetContext('env') ?? 'dev';
  if (typeof envName !== 'string' || !Object.hasOwn(ENVIRONMENTS, envName)) {
    throw new Error(
      `unknown environment ${JSON.stringify(envName)}: use -c env=${Object.keys(ENVIRONMENTS).join('|')}`,
    );
  }
  const builtIn: Record<string, unknown> = { ...DEFAULTS, ...ENVIRONMENTS[envName as EnvName] };
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(builtIn)) {
    const check = CHECKS[key as OverridableKey];
    config[key] = check === undefined ? value : checked(check, key, value, `environment ${envName}`);
  }
  for (const key of OVERRIDABLE) {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined) continue;
    config[key] = checked(CHECKS[key], key, value, 'context');
  }
  const result = config as unknown as SlaConfig;
  crossChecks(result);
  return { envName: envName as EnvName, config: result };
};

const checked = (check: Check, key: string, value: unknown, source: string): string | number => {
  try {
    return check(value);
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    throw new Error(`${source} ${key} must be ${e.message}, got ${JSON.stringify(value)}`);
  }
};
