// Routes one decoded request to its room rule. Every request gets exactly one reply: the rule
// gives it, or the gateway answers Code.INTERNAL for a rule that threw or forgot to.

import type { ClientRequest } from '@atrium/protocol';
import { observeReply } from '../metrics/replies.js';
import type { Respond, RoomContext } from '../rooms/context.js';
import { logout } from '../rooms/leave.js';
import { login, switchRoom } from '../rooms/login.js';
import { barrage, broadcast, command, setRoomExtra } from '../rooms/message.js';
import { renew } from '../rooms/renew.js';
import { resume } from '../rooms/resume.js';
import type { SessionSlot } from '../rooms/session.js';
import { publishStream, setStreamExtra, unpublishStream } from '../rooms/stream.js';

export async function dispatch(
  ctx: RoomContext,
  slot: SessionSlot,
  frame: ClientRequest,
  reply: Respond,
): Promise<void> {
  const respond = observeReply(ctx.metrics, frame, reply);
  switch (frame.t) {
    case 'login':
      return login(ctx, slot, frame, respond);
    case 'switch':
      return switchRoom(ctx, slot, frame, respond);
    case 'logout':
      return logout(ctx, slot, frame, respond);
    case 'renew':
      return renew(ctx, slot, frame, respond);
    case 'bcast':
      return broadcast(ctx, slot, frame, respond);
    case 'barrage':
      return barrage(ctx, slot, frame, respond);
    case 'cmd':
      return command(ctx, slot, frame, respond);
    case 'extra':
      return setRoomExtra(ctx, slot, frame, respond);
    case 'pub':
      return publishStream(ctx, slot, frame, respond);
    case 'unpub':
      return unpublishStream(ctx, slot, frame, respond);
    case 'sextra':
      return setStreamExtra(ctx, slot, frame, respond);
    case 'resume':
      return resume(ctx, slot, frame, respond);
  }
}
