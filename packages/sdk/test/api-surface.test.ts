// The SDK's types must stay assignable to the contract's public surface (contract/api.d.ts, the
// repository's copy of the specification's api.d.ts; test/contract.test.ts keeps the copy true).
// These checks fail to compile under `tsc -b` when the surface drifts.
import { describe, expectTypeOf, it } from 'vitest';
import type * as Api from '../../../contract/api.js';
import {
  type BroadcastMessageInfo,
  type EngineOptions,
  type LegacyRoomState,
  type MessageResponse,
  type PublishOptions,
  type RoomConfig,
  RoomEngine,
  RoomError,
  type RoomEvents,
  type RoomExtraInfo,
  type RoomStateChangedReason,
  type ServerError,
  type ServerResponse,
  type StreamInfo,
  type SwitchRoomConfig,
  type ZegoExpressEngine,
  type ZegoUser,
} from '../src/index.js';

describe('api.d.ts surface', () => {
  it('RoomEngine and RoomError are assignable to the contract, constructor included', () => {
    expectTypeOf<typeof RoomEngine>().toExtend<typeof Api.RoomEngine>();
    expectTypeOf<RoomEngine>().toExtend<Api.RoomEngine>();
    expectTypeOf<typeof RoomError>().toExtend<typeof Api.RoomError>();
    expectTypeOf<RoomError>().toExtend<Api.RoomError>();
    const engine: Api.RoomEngine = new RoomEngine(1, 'ws://127.0.0.1:1/ws', { logLevel: 'silent' });
    const error: Api.RoomError = new RoomError(1002033);
    expectTypeOf(engine.getVersion()).toEqualTypeOf<string>();
    expectTypeOf(error.code).toEqualTypeOf<number>();
    engine.destroy();
  });

  it('the contract options and configs are accepted, and results are what the contract says', () => {
    expectTypeOf<Api.EngineOptions>().toExtend<EngineOptions>();
    expectTypeOf<Api.RoomConfig>().toExtend<RoomConfig>();
    expectTypeOf<Api.SwitchRoomConfig>().toExtend<SwitchRoomConfig>();
    expectTypeOf<Api.PublishOptions>().toExtend<PublishOptions>();
    expectTypeOf<ServerResponse>().toExtend<Api.ServerResponse>();
    expectTypeOf<ServerError>().toExtend<Api.ServerError>();
    expectTypeOf<typeof ZegoExpressEngine>().toEqualTypeOf<typeof RoomEngine>();
    expectTypeOf<MessageResponse>().toExtend<Api.MessageResponse>();
  });

  it('events and value types are the contract (events with ZEGO’s richer payloads)', () => {
    // Plain assignability (method-typed events compare their callbacks bivariantly, as TS does).
    const events = {} as RoomEvents;
    const asContract: Api.RoomEvents = events;
    void asContract;
    expectTypeOf<keyof RoomEvents>().toEqualTypeOf<keyof Api.RoomEvents>();
    expectTypeOf<RoomStateChangedReason>().toEqualTypeOf<Api.RoomStateChangedReason>();
    expectTypeOf<LegacyRoomState>().toEqualTypeOf<Api.LegacyRoomState>();
    expectTypeOf<ZegoUser>().toEqualTypeOf<Api.ZegoUser>();
    expectTypeOf<StreamInfo>().toEqualTypeOf<Api.StreamInfo>();
    expectTypeOf<RoomExtraInfo>().toEqualTypeOf<Api.RoomExtraInfo>();
    expectTypeOf<BroadcastMessageInfo>().toEqualTypeOf<Api.BroadcastMessageInfo>();
  });

  it('on/off type known events and still accept unknown (ZEGO media) names', () => {
    const engine = new RoomEngine(1, 'ws://127.0.0.1:1/ws', { logLevel: 'silent' });
    expectTypeOf(engine.on('roomStateChanged', (_roomID, reason) => void reason)).toEqualTypeOf<boolean>();
    // @ts-expect-error: a known event with the wrong callback shape does not compile.
    engine.on('roomUserUpdate', (_roomID: string, _type: number) => {});
    expectTypeOf(engine.on('publisherStateUpdate', () => {})).toEqualTypeOf<boolean>();
    engine.destroy();
  });
});
