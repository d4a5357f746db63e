export { TokenError, TokenErrorCode } from './errors.js';
export {
  makePrivilegePayload,
  type ParsedTokenPayload,
  type PrivilegeOptions,
  parseTokenPayload,
  type TokenPrivileges,
} from './payload.js';
export {
  type CipherMode,
  type EncodeToken04Options,
  encodeToken04,
  generateToken04,
  type OpenToken04Result,
  openToken04,
  type Token04,
  type VerifyToken04Options,
  type VerifyToken04Result,
  verifyToken04,
} from './token04.js';
