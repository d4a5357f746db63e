// JSON-lines logs (pino). Tokens and secrets are never logged; the redaction below is a net
// for a field that slips into a log call by mistake.

import { type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    name: 'atrium',
    level,
    redact: {
      paths: ['token', '*.token', 'secret', '*.secret', 'serverSecret', '*.serverSecret', '*.key', 'key'],
      censor: '[redacted]',
    },
  });
}
