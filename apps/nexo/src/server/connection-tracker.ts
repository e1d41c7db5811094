import type { Http2Session } from 'node:http2';
import type { Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/**
 * Keeps track of every connection of Nexo's listeners so that shutdown can be graceful:
 * stop accepting, close idle keep-alive connections at once, let connections with a
 * request in flight finish it, send HTTP/2 GOAWAY, and cut whatever is left at the
 * deadline.
 *
 * HTTP/1.1 requests must be reported with {@link requestStarted}; HTTP/2 sessions close
 * themselves once their streams are done. Upgraded sockets (WebSocket) are marked with
 * {@link upgraded}: drain ends them with a FIN, the deadline cuts them otherwise.
 */
export class ConnectionTracker {
  /** Every accepted TCP socket, for the cut at the deadline. */
  readonly #raw = new Set<Socket>();
  /** HTTP/1.1 sockets (TLS or plain) and how many requests each has in flight. */
  readonly #http1 = new Map<Socket, number>();
  readonly #sessions = new Set<Http2Session>();
  readonly #upgraded = new Set<Socket>();
  #whenEmpty: Array<() => void> = [];
  #draining = false;

  /** True once {@link drain} was called: responses should close their connection. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts tracking a listener's connections: a plain HTTP or a TLS server. */
  attach(server: Server, options: { tls: boolean }): void {
    server.on('connection', (socket: Socket) => {
      this.#trackRaw(socket);
      if (!options.tls) this.#trackHttp1(socket);
    });
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') this.#trackHttp1(socket);
    });
    server.on('session', (session: Http2Session) => this.#trackSession(session));
  }

  /** Call when an HTTP/1.1 request starts on `socket`; call the returned function at its end. */
  requestStarted(socket: Socket): () => void {
    this.#http1.set(socket, (this.#http1.get(socket) ?? 0) + 1);

    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.#http1.get(socket) ?? 1) - 1;
      if (!this.#http1.has(socket)) return;
      this.#http1.set(socket, left);
      if (this.#draining && left === 0) socket.end();
    };
  }

  /** The socket now carries an upgraded protocol (WebSocket): only shutdown touches it. */
  upgraded(socket: Socket): void {
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
    this.#http1.delete(socket);
  }

  /** Closes idle connections and asks busy ones to close once their requests are done. */
  drain(): void {
    this.#draining = true;

    for (const [socket, active] of this.#http1) {
      if (active === 0) socket.end();
    }
    for (const session of this.#sessions) {
      if (!session.closed) session.close();
    }
    // Upgraded connections never end by themselves; the proxy relays their bytes without
    // knowing the frames, so the politest close is a TLS close_notify and FIN, after which
    // the proxy ends the upstream side too.
    for (const socket of this.#upgraded) socket.end();
  }

  /** Resolves once every tracked connection is closed, or at the deadline, cutting the rest. */
  async closed(deadlineMs: number): Promise<{ forced: number }> {
    if (this.#raw.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, deadlineMs);
      });
      const empty = new Promise<void>((resolve) => this.#whenEmpty.push(resolve));
      await Promise.race([deadline, empty]);
      clearTimeout(timer);
    }

    const forced = this.#raw.size;
    for (const socket of this.#raw) socket.destroy();
    for (const session of this.#sessions) session.destroy();
    return { forced };
  }

  /** The number of open TCP connections. */
  get size(): number {
    return this.#raw.size;
  }

  #trackRaw(socket: Socket): void {
    this.#raw.add(socket);
    socket.once('close', () => {
      this.#raw.delete(socket);
      if (this.#raw.size > 0) return;
      const waiters = this.#whenEmpty;
      this.#whenEmpty = [];
      for (const resolve of waiters) resolve();
    });
  }

  #trackHttp1(socket: Socket): void {
    if (this.#upgraded.has(socket)) return;
    this.#http1.set(socket, this.#http1.get(socket) ?? 0);
    socket.once('close', () => this.#http1.delete(socket));
    if (this.#draining && this.#http1.get(socket) === 0) socket.end();
  }

  #trackSession(session: Http2Session): void {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    if (this.#draining) session.close();
  }
}
