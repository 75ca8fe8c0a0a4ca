import { pino, type DestinationStream, type Logger } from 'pino';
import { traceFields } from './telemetry.ts';

/** Header and field names whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-backend-secret-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-backend-secret-key"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
];

/** Every line carries the active trace's `traceId` and `spanId` when tracing is on. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: traceFields }, destination);
}

export type { Logger };
