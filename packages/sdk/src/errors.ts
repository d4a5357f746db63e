import { codeMessage } from '@atrium/protocol';

/** What `loginRoom` / `switchRoom` reject with: the code of the matching `LOGIN_FAILED`. */
export class RoomError extends Error {
  readonly code: number;
  readonly msg: string;

  constructor(code: number, msg: string = codeMessage(code)) {
    super(`${code}: ${msg}`);
    this.name = 'RoomError';
    this.code = code;
    this.msg = msg;
  }
}
