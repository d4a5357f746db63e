// One member of a room, per kind of client, behind one shape: `login()` (resolves once in the
// room), `broadcast(text)` (resolves with the server's ack), `close()`, and the bookkeeping the
// benchmarks read: broadcasts received, probe copies, link losses and returns.
//
// Kinds:
//   atrium-lean  Atrium's wire protocol by hand (docs/protocol.md): hello, Token04 login, pings.
//                For thousands of members where an SDK per member would cost the load processes
//                more than the server. No reconnection.
//   atrium-sdk   the real RoomEngine (packages/sdk/dist) in Node: the SDK's own backoff, resume
//                and relogin, RECONNECTED with its `recovered` flag.
//   ws           the raw ws peer's protocol; after a cut it reconnects with the SDK's backoff
//                (250 ms → 5 s, ±20 %) and joins again (no session to resume).
//   socketio     socket.io-client 4 (websocket transport), its own reconnection and recovery.
//   socketio-lean  Socket.IO's protocol by hand (engine.io 4 + socket.io packets), the peer's
//                counterpart of atrium-lean for thousands of members.

import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { RoomEngine } from '../../packages/sdk/dist/index.js';
import { APP_ID } from '../lib/common.mjs';
import { epochMs } from '../lib/procs.mjs';

const OPEN = 1;
const PROBE = 'probe:';
/** `{"t":"` is six bytes; the seventh tells the frame types of Atrium and the ws peer apart. */
const TYPE_AT = 6;
const EV = 'e'.charCodeAt(0);
const REPLY = 'r'.charCodeAt(0);
const HELLO = 'h'.charCodeAt(0);
const BCAST_MARK = Buffer.from('"k":"bcast"');
/** engine.io packet types (first byte) and socket.io packet types (second byte of a message). */
const SIO_OPEN = '0'.charCodeAt(0);
const SIO_PING = '2'.charCodeAt(0);
const SIO_MESSAGE = '4'.charCodeAt(0);
const SIO_CONNECT = '0'.charCodeAt(0);
const SIO_EVENT = '2'.charCodeAt(0);
const SIO_ACK = '3'.charCodeAt(0);
const SIO_BCAST_MARK = Buffer.from('["bcast"');
const PROBE_MARK = Buffer.from(PROBE);

/** What a load process counts over all its members. */
export class Tally {
  received = 0;
  lastReceivedAt = 0;
  downs = 0;
  backs = 0;
  recovered = 0;
  lastBackAt = 0;
  /** Links the server closed under a member that does not reconnect (fan-out, memory). */
  dropped = 0;
  /** Link back → room back, per return, ms. */
  resumeSamples = [];

  gotBroadcast(member, message) {
    this.received++;
    this.lastReceivedAt = epochMs();
    if (typeof message === 'string' && message.startsWith(PROBE)) {
      member.probes.set(message, (member.probes.get(message) ?? 0) + 1);
    }
  }

  /** How the server answered Atrium resumes: replayed, snapshot, or refused with a code. */
  resumes = {};

  resumeReply(socket, data) {
    const reply = JSON.parse(data.toString());
    if (reply.id !== socket.resumeID) return;
    socket.resumeID = -1;
    const rooms = Object.values(reply.data?.rooms ?? {});
    const outcome =
      reply.code !== 0 ? `refused ${reply.code}` : rooms.every((r) => r.replayed) ? 'replayed' : 'snapshot';
    this.resumes[outcome] = (this.resumes[outcome] ?? 0) + 1;
  }

  wentDown(member) {
    if (member.away) return;
    member.away = true;
    this.downs++;
  }

  cameBack(member, recovered) {
    if (!member.away) return;
    member.away = false;
    const now = epochMs();
    this.backs++;
    if (recovered) this.recovered++;
    this.lastBackAt = Math.max(this.lastBackAt, now);
    if (member.linkAt > 0) this.resumeSamples.push({ ms: now - member.linkAt, recovered });
  }
}

class Base {
  away = false;
  /** When the current link carried its first frame from the server (or opened, for raw ws). */
  linkAt = 0;
  probes = new Map();
  closed = false;

  constructor(env, spec) {
    this.env = env;
    this.spec = spec;
  }
}

/**
 * A member whose requests carry an `id` the server's reply echoes (Atrium's protocol, and the raw
 * ws peer's, made after it); the subclass resolves `acks` as replies come.
 */
class AckedMember extends Base {
  nextID = 1;
  acks = new Map();

  /** A new link to the server from this member's source address; it becomes `this.ws`. */
  openLink() {
    this.ws = new WebSocket(this.env.url, { localAddress: this.env.localAddress, perMessageDeflate: false });
    return this.ws;
  }

  /** Fails every request still waiting for its reply: the link is gone. */
  failAcks(why) {
    for (const ack of this.acks.values()) ack.reject(new Error(why));
    this.acks.clear();
  }

  /** A reply frame: resolves the request it answers. */
  settleReply(data) {
    const reply = JSON.parse(data.toString());
    const ack = this.acks.get(reply.id);
    this.acks.delete(reply.id);
    ack?.resolve(reply);
  }

  /** A broadcast event frame: counted, with its text when it is a probe (parsed only then). */
  countBroadcast(data) {
    const message = data.indexOf(PROBE_MARK) < 0 ? undefined : JSON.parse(data.toString()).msg.message;
    this.env.tally.gotBroadcast(this, message);
  }

  request(frame) {
    const id = this.nextID++;
    return new Promise((resolve, reject) => {
      this.acks.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  async broadcast(text) {
    const reply = await this.request({ t: 'bcast', room: this.spec.room, msg: text });
    return reply.code;
  }
}

/** Atrium's protocol by hand: the leanest correct client, for thousands of members. */
export class AtriumLeanMember extends AckedMember {
  login() {
    return new Promise((resolve, reject) => {
      const ws = this.openLink();
      const fail = (why) => {
        this.failAcks(why);
        reject(new Error(why));
      };
      ws.on('error', (error) => fail(error.message));
      ws.on('close', () => {
        if (this.loggedIn && !this.closed) this.env.tally.dropped++;
        this.loggedIn = false;
        fail('closed');
      });
      ws.on('message', (data) => {
        const type = data[TYPE_AT];
        if (type === EV) {
          if (data.indexOf(BCAST_MARK) >= 0) this.countBroadcast(data);
        } else if (type === REPLY) {
          this.settleReply(data);
        } else if (type === HELLO) {
          this.linkAt = epochMs();
          this.request({
            t: 'login',
            appID: APP_ID,
            room: this.spec.room,
            token: this.spec.token,
            user: { userID: this.spec.userID },
          }).then((reply) => {
            if (reply.code !== 0) return reject(new Error(`login refused ${reply.code}`));
            this.loggedIn = true;
            resolve();
          }, reject);
        }
      });
    });
  }

  /** The application heartbeat; the load process calls it for a slice of its members at a time. */
  ping() {
    if (this.ws?.readyState === OPEN) this.ws.send('{"t":"ping"}');
  }

  close() {
    this.closed = true;
    this.ws?.terminate();
  }
}

/** The raw ws peer's protocol, with reconnection as the SDK paces it. */
export class WsMember extends AckedMember {
  attempt = 0;
  timer = undefined;

  login() {
    return this.connect();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = this.openLink();
      let joined = false;
      const lost = (why) => {
        this.failAcks(why);
        if (!joined) reject(new Error(why));
        else if (this.env.reconnect) this.env.tally.wentDown(this);
        else if (!this.closed) this.env.tally.dropped++;
        if (this.ws === ws && this.env.reconnect && !this.closed && this.everJoined) this.retry();
      };
      ws.on('error', () => {});
      ws.on('close', () => lost('closed'));
      ws.on('open', () => {
        this.linkAt = epochMs();
        this.request({ t: 'join', room: this.spec.room, user: this.spec.userID }).then((reply) => {
          joined = true;
          this.everJoined = true;
          this.attempt = 0;
          this.env.tally.cameBack(this, false);
          resolve(reply);
        }, reject);
      });
      ws.on('message', (data) => {
        const type = data[TYPE_AT];
        if (type === EV) this.countBroadcast(data);
        else if (type === REPLY) this.settleReply(data);
      });
    });
  }

  retry() {
    const capped = Math.min(250 * 2 ** this.attempt, 5000);
    this.attempt++;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        if (!this.closed) this.connect().catch(() => {});
      },
      Math.round(capped * (0.8 + 0.4 * Math.random())),
    );
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.terminate();
  }
}

/**
 * Socket.IO's wire protocol by hand (engine.io 4 over a WebSocket, socket.io packets in it): the
 * lean counterpart of atrium-lean, for thousands of members. Answers the server's pings; no
 * reconnection.
 */
export class SocketIoLeanMember extends Base {
  nextID = 1;
  acks = new Map();

  login() {
    return new Promise((resolve, reject) => {
      const url = `${this.env.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
      const ws = new WebSocket(url, { localAddress: this.env.localAddress, perMessageDeflate: false });
      this.ws = ws;
      ws.on('error', (error) => reject(error));
      ws.on('close', () => {
        if (this.loggedIn && !this.closed) this.env.tally.dropped++;
        this.loggedIn = false;
        reject(new Error('closed'));
      });
      ws.on('message', (data) => {
        const engine = data[0];
        if (engine === SIO_PING) ws.send('3');
        else if (engine === SIO_OPEN) ws.send('40');
        else if (engine !== SIO_MESSAGE) return;
        const packet = data[1];
        if (packet === SIO_EVENT) {
          if (data.indexOf(SIO_BCAST_MARK) < 0) return;
          const message =
            data.indexOf(PROBE_MARK) < 0 ? undefined : JSON.parse(data.subarray(2).toString())[1]?.message;
          this.env.tally.gotBroadcast(this, message);
        } else if (packet === SIO_ACK) {
          const text = data.toString();
          const bracket = text.indexOf('[');
          const ack = this.acks.get(Number(text.slice(2, bracket)));
          if (ack === undefined) return;
          this.acks.delete(Number(text.slice(2, bracket)));
          ack(JSON.parse(text.slice(bracket))[0]);
        } else if (packet === SIO_CONNECT) {
          this.linkAt = epochMs();
          this.emit(['join', this.spec.room, this.spec.userID]).then(() => {
            this.loggedIn = true;
            resolve();
          });
        }
      });
    });
  }

  emit(args) {
    const id = this.nextID++;
    return new Promise((resolve) => {
      this.acks.set(id, resolve);
      this.ws.send(`42${id}${JSON.stringify(args)}`);
    });
  }

  async broadcast(text) {
    const reply = await this.emit(['bcast', this.spec.room, text]);
    return reply?.code ?? -1;
  }

  close() {
    this.closed = true;
    this.ws?.terminate();
  }
}

/** socket.io-client 4 over its websocket transport, with its default reconnection. */
export class SocketIoMember extends Base {
  login() {
    return new Promise((resolve, reject) => {
      const socket = io(this.env.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: this.env.reconnect === true,
        localAddress: this.env.localAddress,
        perMessageDeflate: false,
      });
      this.socket = socket;
      let joined = false;
      socket.io.on('open', () => {
        this.linkAt = epochMs();
      });
      socket.on('connect', () => {
        if (!joined) {
          this.join().then(() => {
            joined = true;
            resolve();
          }, reject);
          return;
        }
        if (socket.recovered) this.env.tally.cameBack(this, true);
        else
          this.join().then(
            () => this.env.tally.cameBack(this, false),
            () => {},
          );
      });
      socket.on('connect_error', (error) => {
        if (!joined && !this.env.reconnect) reject(error);
      });
      socket.on('disconnect', () => {
        if (!joined) return;
        if (this.env.reconnect) this.env.tally.wentDown(this);
        else if (!this.closed) this.env.tally.dropped++;
      });
      socket.on('bcast', (msg) => this.env.tally.gotBroadcast(this, msg?.message));
    });
  }

  join() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('join: no ack in 30 s')), 30_000);
      this.socket.emit('join', this.spec.room, this.spec.userID, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  broadcast(text) {
    return new Promise((resolve) => {
      this.socket.emit('bcast', this.spec.room, text, (reply) => resolve(reply?.code ?? -1));
    });
  }

  close() {
    this.closed = true;
    this.socket?.disconnect();
  }
}

/** The real RoomEngine; its WebSocket class binds the member's source address and notes link-up. */
export class AtriumSdkMember extends Base {
  login() {
    const member = this;
    const { localAddress } = this.env;
    const tally = this.env.tally;
    class MemberSocket extends WebSocket {
      resumeID = -1;
      constructor(url) {
        super(url, { localAddress, perMessageDeflate: false });
        // Registered before the SDK's onmessage, so it runs first: the moment `hello` arrives.
        this.once('message', () => {
          member.linkAt = epochMs();
        });
        this.on('message', (data) => {
          if (this.resumeID >= 0 && data[TYPE_AT] === REPLY) tally.resumeReply(this, data);
        });
      }
      send(data, ...rest) {
        if (typeof data === 'string' && data.startsWith('{"t":"resume"')) this.resumeID = JSON.parse(data).id;
        return super.send(data, ...rest);
      }
    }
    const engine = new RoomEngine(APP_ID, this.env.url, { WebSocket: MemberSocket, logLevel: 'silent' });
    this.engine = engine;
    engine.on('IMRecvBroadcastMessage', (_roomID, messages) => {
      for (const m of messages) this.env.tally.gotBroadcast(this, m.message);
    });
    engine.on('roomStateChanged', (_roomID, reason, _code, ext) => {
      if (reason === 'RECONNECTING') this.env.tally.wentDown(this);
      else if (reason === 'RECONNECTED') {
        let recovered = false;
        try {
          recovered = JSON.parse(ext).recovered === true;
        } catch {
          // no JSON: not recovered
        }
        this.env.tally.cameBack(this, recovered);
      } else if (reason === 'RECONNECT_FAILED' || reason === 'KICKOUT') this.failed = reason;
    });
    return engine.loginRoom(this.spec.room, this.spec.token, { userID: this.spec.userID });
  }

  /** 0, or the code of the failure (the SDK rejects failures, as ZEGO's does). */
  async broadcast(text) {
    try {
      return (await this.engine.sendBroadcastMessage(this.spec.room, text)).errorCode;
    } catch (err) {
      return typeof err?.errorCode === 'number' ? err.errorCode : -1;
    }
  }

  close() {
    this.closed = true;
    this.engine?.destroy();
  }
}

/** Logs `member` in; resolves with its latency in ms, or an Error (refused, or no login in `timeoutMs`). */
export async function timedLogin(member, timeoutMs) {
  const start = epochMs();
  let timer;
  try {
    await Promise.race([
      member.login(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no login in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return epochMs() - start;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    clearTimeout(timer);
  }
}

export const MEMBER_KINDS = {
  'atrium-lean': AtriumLeanMember,
  'atrium-sdk': AtriumSdkMember,
  ws: WsMember,
  socketio: SocketIoMember,
  'socketio-lean': SocketIoLeanMember,
};
