// A TCP proxy between clients and a server that misbehaves on command: reset every link,
// blackhole them (bytes stop, sockets stay open), refuse new ones, or delay bytes. The
// network faults of docs/contract.md, "Reconnection", made on loopback so tests can cause them at will.

import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'blackhole' | 'refuse';

/**
 * One direction of a link. Delayed bytes wait in a queue so that they still arrive in order when
 * the delay changes: TCP may be late, never out of order (a reordered WebSocket stream is garbage).
 */
class Pipe {
  private queue: { dueMs: number; chunk: Buffer }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly to: Socket) {}

  send(chunk: Buffer, delayMs: number): void {
    if (delayMs <= 0 && this.queue.length === 0) {
      if (!this.to.destroyed) this.to.write(chunk);
      return;
    }
    const last = this.queue.at(-1)?.dueMs ?? 0;
    this.queue.push({ dueMs: Math.max(Date.now() + delayMs, last), chunk });
    this.schedule();
  }

  drop(): void {
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const next = this.queue[0];
    if (this.timer !== undefined || next === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const now = Date.now();
        while ((this.queue[0]?.dueMs ?? Number.POSITIVE_INFINITY) <= now) {
          const due = this.queue.shift();
          if (due !== undefined && !this.to.destroyed) this.to.write(due.chunk);
        }
        this.schedule();
      },
      Math.max(0, next.dueMs - Date.now()),
    );
  }
}

interface Link {
  client: Socket;
  upstream: Socket;
  pipes: Pipe[];
  /** Bytes held back while blackholed, as TCP would keep retransmitting them. */
  held: { pipe: Pipe; chunk: Buffer }[];
}

export class FaultProxy {
  private server: Server;
  private links = new Set<Link>();
  private mode: ProxyMode = 'pass';
  private delayMs = 0;
  /** Links accepted since the start, including refused ones. */
  accepted = 0;

  private constructor(
    private readonly target: { host: string; port: number },
    server: Server,
  ) {
    this.server = server;
  }

  static async start(targetUrl: string): Promise<FaultProxy> {
    const url = new URL(targetUrl);
    const server = createServer();
    const proxy = new FaultProxy({ host: url.hostname, port: Number(url.port) }, server);
    server.on('connection', (socket) => proxy.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** The WebSocket URL a client uses to go through the proxy. */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get openLinks(): number {
    return this.links.size;
  }

  private accept(client: Socket): void {
    this.accepted++;
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const toUpstream = new Pipe(upstream);
    const toClient = new Pipe(client);
    const link: Link = { client, upstream, pipes: [toUpstream, toClient], held: [] };
    this.links.add(link);
    const pipe = (from: Socket, through: Pipe) =>
      from.on('data', (chunk: Buffer) => {
        if (this.mode === 'blackhole') link.held.push({ pipe: through, chunk });
        else through.send(chunk, this.delayMs);
      });
    pipe(client, toUpstream);
    pipe(upstream, toClient);
    const drop = () => {
      this.links.delete(link);
      for (const p of link.pipes) p.drop();
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  }

  /** Cut every open link with a TCP reset, as a network change would. */
  reset(): void {
    for (const { client, upstream, pipes } of this.links) {
      for (const p of pipes) p.drop();
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    this.links.clear();
  }

  /** Stop all bytes in both directions while keeping the sockets open: a silent link. */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  /** Refuse (reset) every new link and cut the open ones: the network is down. */
  down(): void {
    this.mode = 'refuse';
    this.reset();
  }

  /** Back to normal for new links and the open ones; bytes held by a blackhole flow again. */
  heal(): void {
    this.mode = 'pass';
    this.delayMs = 0;
    for (const link of this.links) {
      for (const { pipe, chunk } of link.held) pipe.send(chunk, 0);
      link.held = [];
    }
  }

  /** Delay every chunk by `ms` in both directions (order kept, as TCP keeps it). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
