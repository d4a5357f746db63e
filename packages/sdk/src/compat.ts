// The ZEGO engine calls that have little or no meaning for a room service, kept so a ported app
// runs unchanged: each does what it can truthfully do here, or accepts and succeeds
// (docs/zego-compat.md lists which).

import { isLogLevel, type LogLevel } from './log.js';
import type { ZegoCapabilityDetection, ZegoLogConfig } from './types.js';
import { SDK_VERSION } from './version.js';

/** The ZEGO Express Web SDK API level this SDK implements. */
export const ZEGO_API_VERSION = '3.12.0';

/**
 * What `getVersion()` and `ZegoExpressEngine.version` answer: ZEGO's API level first, so an app's
 * `getVersion() < "2.17.0"` check takes the modern branch, then Atrium's own version.
 */
export const ENGINE_VERSION = `${ZEGO_API_VERSION}-atrium.${SDK_VERSION}`;

/** ZEGO's levels onto this SDK's: `disable` is silence, `report` (ZEGO's upload-only level) errors only. */
export function logLevelOf(config: ZegoLogConfig): LogLevel | undefined {
  const level = config.logLevel;
  if (level === 'disable') return 'silent';
  if (level === 'report') return 'error';
  return isLogLevel(level) ? level : undefined;
}

/** ZEGO refuses a log upload URL that is not wss:// or https://; nothing is uploaded here either way. */
export function isValidLogConfig(config: unknown): config is ZegoLogConfig {
  if (typeof config !== 'object' || config === null) return false;
  const url = (config as ZegoLogConfig).logURL;
  return url === undefined || (typeof url === 'string' && /^(wss|https):\/\//i.test(url));
}

/** Set by `presetLogConfig`: the level of engines created afterwards that do not name one. */
let presetLevel: LogLevel | undefined;

export function presetLogLevel(level: LogLevel | undefined): void {
  presetLevel = level;
}

export function presetLogLevelOr(fallback: LogLevel): LogLevel {
  return presetLevel ?? fallback;
}

/** ZEGO's scenarios (3–9) may be set before any login, as in ZEGO; they change nothing here. */
export function isScenario(scenario: unknown): boolean {
  return Number.isInteger(scenario) && (scenario as number) >= 3 && (scenario as number) <= 9;
}

const CHECK_TYPES = [
  'webRTC',
  'customCapture',
  'camera',
  'microphone',
  'screenSharing',
  'H264',
  'VP8',
  'H265',
];

interface Env {
  RTCPeerConnection?: unknown;
  RTCRtpSender?: { getCapabilities?: (kind: string) => { codecs?: { mimeType?: string }[] } | null };
  MediaStream?: unknown;
  WebSocket?: unknown;
  navigator?: { mediaDevices?: { getUserMedia?: unknown; getDisplayMedia?: unknown } };
}

function videoCodecs(env: Env): { H264: boolean; H265: boolean; VP8: boolean; VP9: boolean } {
  let mimes: string[] = [];
  try {
    mimes = (env.RTCRtpSender?.getCapabilities?.('video')?.codecs ?? []).map((c) =>
      String(c.mimeType).toLowerCase(),
    );
  } catch {
    mimes = [];
  }
  const has = (name: string) => mimes.includes(`video/${name}`);
  return { H264: has('h264'), H265: has('h265'), VP8: has('vp8'), VP9: has('vp9') };
}

/**
 * What this environment supports, asked of the environment itself and without prompting for
 * device permission: the WebRTC and media APIs exist or not. Atrium needs only a WebSocket.
 */
export function systemRequirements(
  checkType?: unknown,
  checkLevel?: unknown,
): ZegoCapabilityDetection & Record<string, unknown> {
  const env = globalThis as Env;
  const media = env.navigator?.mediaDevices;
  const codecs = videoCodecs(env);
  const found: Record<string, boolean> = {
    webRTC: typeof env.RTCPeerConnection === 'function',
    customCapture: typeof env.MediaStream === 'function',
    camera: typeof media?.getUserMedia === 'function',
    microphone: typeof media?.getUserMedia === 'function',
    screenSharing: typeof media?.getDisplayMedia === 'function',
    H264: codecs.H264,
    VP8: codecs.VP8,
    H265: codecs.H265,
  };
  if (checkType === undefined) {
    const all: ZegoCapabilityDetection = {
      webRTC: found.webRTC,
      customCapture: found.customCapture,
      camera: found.camera,
      microphone: found.microphone,
      screenSharing: found.screenSharing,
      videoCodec: codecs,
      errInfo: {},
    };
    return { ...all };
  }
  if (
    typeof checkType !== 'string' ||
    !CHECK_TYPES.includes(checkType) ||
    ![undefined, 0, 1].includes(checkLevel as number)
  ) {
    // ZEGO spells the key extendedDate; an app reading it finds it.
    return { result: false, errInfo: { extendedDate: 'param error' } };
  }
  return { result: found[checkType] === true, errInfo: {} };
}
