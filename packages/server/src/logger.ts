// JSON-lines logs (pino). Tokens and secrets are never logged; the redaction below is a net
// for a field that slips into a log call by mistake.

import { type DestinationStream, type Logger, pino } from 'pino';

export function createLogger(level: string, destination?: { write(line: string): unknown }): Logger {
  const options = {
    name: 'atrium',
    level,
    redact: {
      paths: [
        'token',
        '*.token',
        'secret',
        '*.secret',
        'serverSecret',
        '*.serverSecret',
        'apps[*].serverSecret',
        '*.key',
        'key',
      ],
      censor: '[redacted]',
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination as DestinationStream);
}
