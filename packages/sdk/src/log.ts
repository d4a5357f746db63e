// A tiny levelled logger: ZEGO apps call setLogConfig / setDebugVerbose, so the level can change live.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogSink = (level: Exclude<LogLevel, 'silent'>, message: string, ...details: unknown[]) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

const consoleSink: LogSink = (level, message, ...details) => {
  const line = `[atrium] ${message}`;
  if (level === 'error') console.error(line, ...details);
  else if (level === 'warn') console.warn(line, ...details);
  else if (level === 'info') console.info(line, ...details);
  else console.debug(line, ...details);
};

export class Logger {
  private level: LogLevel;
  private verbose = false;

  constructor(
    level: LogLevel,
    private readonly sink: LogSink = consoleSink,
  ) {
    this.level = level;
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  /** Verbose mode shows debug lines without forgetting the configured level. */
  setVerbose(enable: boolean): void {
    this.verbose = enable;
  }

  debug(message: string, ...details: unknown[]): void {
    this.write('debug', message, details);
  }

  info(message: string, ...details: unknown[]): void {
    this.write('info', message, details);
  }

  warn(message: string, ...details: unknown[]): void {
    this.write('warn', message, details);
  }

  error(message: string, ...details: unknown[]): void {
    this.write('error', message, details);
  }

  private write(level: Exclude<LogLevel, 'silent'>, message: string, details: unknown[]): void {
    const threshold = this.verbose ? RANK.debug : RANK[this.level];
    if (RANK[level] < threshold) return;
    try {
      this.sink(level, message, ...details);
    } catch {
      // A broken sink must not break the SDK.
    }
  }
}
