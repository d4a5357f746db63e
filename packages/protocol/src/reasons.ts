// The nine room-state reasons (docs/contract.md, "The room state machine") and the legacy
// three-state view of each.

export const REASONS = [
  'LOGINING',
  'LOGINED',
  'LOGIN_FAILED',
  'RECONNECTING',
  'RECONNECTED',
  'RECONNECT_FAILED',
  'KICKOUT',
  'LOGOUT',
  'LOGOUT_FAILED',
] as const;

export type RoomStateChangedReason = (typeof REASONS)[number];
export type LegacyRoomState = 'DISCONNECTED' | 'CONNECTING' | 'CONNECTED';

/** `roomStateUpdate` for each reason; `null` means the legacy event is not emitted. */
export const LEGACY_STATE: Readonly<Record<RoomStateChangedReason, LegacyRoomState | null>> = {
  LOGINING: 'CONNECTING',
  LOGINED: 'CONNECTED',
  LOGIN_FAILED: 'DISCONNECTED',
  RECONNECTING: 'CONNECTING',
  RECONNECTED: 'CONNECTED',
  RECONNECT_FAILED: 'DISCONNECTED',
  KICKOUT: 'DISCONNECTED',
  LOGOUT: 'DISCONNECTED',
  LOGOUT_FAILED: null,
};

/** Reasons after which a room stays silent until the next `loginRoom`. */
export const TERMINAL_REASONS: ReadonlySet<RoomStateChangedReason> = new Set([
  'LOGIN_FAILED',
  'RECONNECT_FAILED',
  'KICKOUT',
  'LOGOUT',
]);
