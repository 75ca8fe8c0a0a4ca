import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { traceFields } from './telemetry.ts';

/** Fields every log line written while handling a request carries (e.g. the client it names); set around the request. */
export const requestLogFields = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/** Header and field names whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-backend-secret-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-backend-secret-key"]',
  'headers.signature',
  'headers["signature-input"]',
  'headers["x-on-behalf-of"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  // Request and response bodies (GraphQL variables hold IBANs, names and emails).
  'body',
  '*.body',
  'variables',
  '*.variables',
];

/**
 * Keys whose values are dropped at any depth: request and response bodies, GraphQL variables, and
 * credentials however a library names them (the gateway's request signatures, a caller's token
 * carried for a service, the backend key).
 */
const BODY_KEYS = new Set([
  'body',
  'variables',
  'authorization',
  'signature',
  'signature-input',
  'x-on-behalf-of',
  'x-backend-secret-key',
  'cookie',
]);
/** Keys of GraphQL errors that only repeat the query document. */
const DOCUMENT_KEYS = new Set(['nodes', 'source']);

const MASKS: [RegExp, string][] = [
  [/\bBearer\s+[\w~+/.=-]+/gi, 'Bearer [redacted]'],
  // A JWT anywhere, with or without its scheme.
  [/\beyJ[\w-]*\.[\w-]+\.[\w-]*/g, '[token]'],
  [/[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}/g, '[email]'],
  // ISO 13616: country, two check digits, 11 to 30 alphanumerics, optionally grouped by spaces.
  [/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g, '[iban]'],
];

/** The text with IBAN-like strings, email addresses and bearer tokens masked. */
export function maskSecrets(text: string): string {
  return MASKS.reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), text);
}

/**
 * A copy of a value that is safe to log: bodies and variables dropped, every string masked,
 * errors reduced to their name, message, code and stack.
 */
export function scrubForLog(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskSecrets(value);
  if (!value || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrubForLog(v, depth + 1, seen));
  const source: Record<string, unknown> =
    value instanceof Error
      ? {
          type: value.name,
          message: value.message,
          stack: value.stack,
          ...(value as unknown as Record<string, unknown>),
        }
      : (value as Record<string, unknown>);
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(source)) {
    if (DOCUMENT_KEYS.has(key)) continue;
    copy[key] = BODY_KEYS.has(key) ? '[redacted]' : scrubForLog(v, depth + 1, seen);
  }
  return copy;
}

let defaultDestination: DestinationStream | undefined;

/**
 * Where the loggers created from now on without a destination of their own write: stdout when
 * none is set. The tests send the lines of the servers they start to a file of their own.
 */
export function setDefaultLogDestination(destination: DestinationStream | undefined): void {
  defaultDestination = destination;
}

/** A service logger (stdout unless a destination is given) that never writes bodies, personal data or secrets. */
export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Every line carries the active trace's `traceId` and `spanId` when tracing is on, and the request's own fields.
    mixin: () => ({ ...traceFields(), ...requestLogFields.getStore() }),
    serializers: { err: (err: unknown) => scrubForLog(err) },
    formatters: { log: (object) => scrubForLog(object) as Record<string, unknown> },
    hooks: {
      // Messages are masked too, including an error's message that pino would use as the line's message.
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        const masked =
          first instanceof Error && typeof rest[0] !== 'string' ? [{ err: first }, first.message, ...rest] : args;
        method.apply(
          this,
          masked.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  };
  const out = destination ?? defaultDestination;
  return out ? pino(options, out) : pino(options);
}

export type { Logger };
