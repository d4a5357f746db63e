// The engine-level calls a ZEGO app makes besides rooms and messages: on/off as ZEGO keeps them,
// the version it reports, the log configuration, and the names it is imported under.
import { describe, expect, it } from 'vitest';
import { ATRIUM_VERSION, RoomEngine, ServerError, ZegoExpressEngine } from '../src/index.js';
import { rejection, useHarness } from './harness.js';

const { server, client } = useHarness();

describe('on / off', () => {
  it('refuse unknown (ZEGO media) event names with false; publisherStateUpdate is a room event', async () => {
    const s = await server();
    const { engine } = client(s.url);
    expect(engine.on('playerStateUpdate', () => {})).toBe(false);
    expect(engine.off('playerStateUpdate')).toBe(false);
    expect(engine.off('playerStateUpdate', () => {})).toBe(false);
    expect(engine.on('publisherStateUpdate', () => {})).toBe(true);
    expect(engine.off('publisherStateUpdate')).toBe(true);
    expect(engine.getRoomState('never')).toBe('LOGOUT');
  });

  it('a handler registered twice is called once; off(event, cb) is true even if cb was not registered', async () => {
    const s = await server();
    const { engine } = client(s.url);
    const seen: string[] = [];
    const cb = (_roomID: string, reason: string) => void seen.push(reason);
    expect(engine.on('roomStateChanged', cb)).toBe(true);
    expect(engine.on('roomStateChanged', cb)).toBe(true);
    await rejection(engine.loginRoom('a b', 'tok', { userID: 'me' }));
    expect(seen).toEqual(['LOGINING', 'LOGIN_FAILED']);
    expect(engine.off('roomStateChanged', cb)).toBe(true);
    expect(engine.off('roomStateChanged', cb)).toBe(true);
    expect(engine.off('roomStateUpdate', () => {})).toBe(true);
    await rejection(engine.loginRoom('a b', 'tok', { userID: 'me' }));
    expect(seen).toEqual(['LOGINING', 'LOGIN_FAILED']);
  });
});

describe('version and names', () => {
  it('getVersion() and RoomEngine.version are 3.12.0-atrium.<SDK version>', async () => {
    const s = await server();
    const { engine } = client(s.url);
    const version = `3.12.0-atrium.${ATRIUM_VERSION}`;
    expect(engine.getVersion()).toBe(version);
    expect(RoomEngine.version).toBe(version);
    expect(RoomEngine.atriumVersion).toBe(ATRIUM_VERSION);
    // ZEGO's own demo branches on this string comparison.
    expect(engine.getVersion() < '2.17.0').toBe(false);
  });

  it('ZegoExpressEngine is RoomEngine; ServerError carries errorCode and extendedData', () => {
    expect(ZegoExpressEngine).toBe(RoomEngine);
    const err = new ServerError(1009001);
    expect(err).toBeInstanceOf(Error);
    expect([err.errorCode, err.extendedData, err.name]).toEqual([
      1009001,
      'message content is empty',
      'ServerError',
    ]);
    expect(new ServerError(1009015, 'slow down').extendedData).toBe('slow down');
  });
});

describe('setLogConfig (ZEGO’s ZegoLogConfig)', () => {
  /** An engine logging to `lines`, and a call that logs at info (state changes) and error (a throwing callback). */
  async function logging(level: 'info' | 'warn') {
    const s = await server();
    const lines: string[] = [];
    const { engine } = client(s.url, { logLevel: level, logSink: (l, m) => lines.push(`${l} ${m}`) });
    engine.on('roomStateChanged', () => {
      throw new Error('app bug');
    });
    const act = async () => {
      lines.length = 0;
      await rejection(engine.loginRoom('a b', 'tok', { userID: 'me' }));
      return [...new Set(lines.map((l) => l.split(' ')[0]))];
    };
    return { engine, act };
  }

  it("'disable' is silence, 'report' errors only, a known level is that level", async () => {
    const { engine, act } = await logging('warn');
    expect(engine.setLogConfig({ logLevel: 'info' })).toBe(true);
    expect(await act()).toEqual(['info', 'error']);
    expect(engine.setLogConfig({ logLevel: 'report' })).toBe(true);
    expect(await act()).toEqual(['error']);
    expect(engine.setLogConfig({ logLevel: 'disable' })).toBe(true);
    expect(await act()).toEqual([]);
  });

  it('false only for a logURL that is not wss:// or https://, and then the level is left as it was', async () => {
    const { engine, act } = await logging('info');
    expect(engine.setLogConfig({ logLevel: 'disable', logURL: 'http://logs.example' })).toBe(false);
    expect(engine.setLogConfig({ logLevel: 'disable', logURL: 'ws://logs.example' })).toBe(false);
    expect(engine.setLogConfig(null as never)).toBe(false);
    expect(await act()).toEqual(['info', 'error']);
    expect(engine.setLogConfig({ logLevel: 'report', logURL: 'wss://logs.example/x' })).toBe(true);
    expect(await act()).toEqual(['error']);
    expect(engine.setLogConfig({ logLevel: 'info', logURL: 'https://logs.example', logCount: 3 })).toBe(true);
    expect(await act()).toEqual(['info', 'error']);
    // A level this SDK does not know changes nothing, and is not refused.
    expect(engine.setLogConfig({ logLevel: 'loud' as never })).toBe(true);
    expect(await act()).toEqual(['info', 'error']);
    engine.setDebugVerbose(false);
  });

  it('presetLogConfig sets the level of engines made afterwards that name none (and throws for a bad logURL)', async () => {
    const s = await server();
    const lines: string[] = [];
    const made = () => {
      // No logLevel: the preset decides. Built directly, since the harness names one.
      const engine = new ZegoExpressEngine(1, s.url, { logSink: (l, m) => lines.push(`${l} ${m}`) });
      return engine;
    };
    try {
      expect(ZegoExpressEngine.presetLogConfig({ logLevel: 'info' })).toBe(true);
      const loud = made();
      await rejection(loud.loginRoom('a b', 'tok', { userID: 'me' }));
      loud.destroyEngine();
      expect(lines.some((l) => l.startsWith('info '))).toBe(true);
      expect(() => ZegoExpressEngine.presetLogConfig({ logURL: 'http://logs.example' })).toThrow(
        /wss or https/,
      );
      expect(ZegoExpressEngine.presetLogConfig({ logLevel: 'disable' })).toBe(true);
      lines.length = 0;
      const quiet = made();
      await rejection(quiet.loginRoom('a b', 'tok', { userID: 'me' }));
      quiet.destroyEngine();
      expect(lines).toEqual([]);
    } finally {
      ZegoExpressEngine.presetLogConfig({});
    }
  });
});
