// Generator errors carry ZEGO's own codes so a business server ported from ZEGO's generators
// can keep its error handling unchanged.

export const TokenErrorCode = {
  APP_ID_INVALID: 1,
  USER_ID_INVALID: 3,
  SECRET_INVALID: 5,
  EFFECTIVE_TIME_INVALID: 6,
} as const;

export type TokenErrorCode = (typeof TokenErrorCode)[keyof typeof TokenErrorCode];

export class TokenError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'TokenError';
    this.code = code;
  }
}
