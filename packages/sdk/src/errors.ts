import { Code, codeMessage } from '@atrium/protocol';

/** What `loginRoom` / `switchRoom` reject with: the code of the matching `LOGIN_FAILED`. */
export class RoomError extends Error {
  readonly code: number;
  readonly msg: string;

  constructor(code: number, msg?: string);
  /** Error's own signature, which the contract's `RoomError extends Error` inherits: an internal error. */
  constructor(message?: string, options?: ErrorOptions);
  constructor(codeOrMessage?: number | string, msgOrOptions?: string | ErrorOptions) {
    const code = typeof codeOrMessage === 'number' ? codeOrMessage : Code.INTERNAL;
    const msg =
      typeof codeOrMessage === 'number'
        ? typeof msgOrOptions === 'string'
          ? msgOrOptions
          : codeMessage(code)
        : (codeOrMessage ?? codeMessage(code));
    super(`${code}: ${msg}`, typeof msgOrOptions === 'object' ? msgOrOptions : undefined);
    this.name = 'RoomError';
    this.code = code;
    this.msg = msg;
  }
}

/**
 * What the other asynchronous room and IM calls reject with, as ZEGO's do: `{ errorCode,
 * extendedData }` (an Error, so it carries a stack; a ZEGO app reads the two fields).
 */
export class ServerError extends Error {
  readonly errorCode: number;
  readonly extendedData: string;

  constructor(errorCode: number, extendedData?: string) {
    const detail = extendedData ?? codeMessage(errorCode);
    super(`${errorCode}: ${detail}`);
    this.name = 'ServerError';
    this.errorCode = errorCode;
    this.extendedData = detail;
  }
}
