import { IANAZone } from 'luxon';

// Configuration read from the environment. Only the infra binding helper writes these
// variables; a missing required one is an error naming it, never a default resource name.

export class ConfigError extends Error {}

export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new ConfigError(`environment variable ${name} is required`);
  return value;
};

export const optionalEnv = (name: string): string | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

/** A whole number from the environment, with a default; a malformed value is an error naming it. */
export const intEnv = (name: string, fallback: number, min = 0): number => {
  const raw = optionalEnv(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`environment variable ${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
};

/** An IANA time zone from the environment (default Asia/Shanghai, SPEC R1). */
export const zoneEnv = (name: string): string => {
  const zone = optionalEnv(name) ?? 'Asia/Shanghai';
  if (!IANAZone.isValidZone(zone))
    throw new ConfigError(`environment variable ${name} must be an IANA time zone, got "${zone}"`);
  return zone;
};
