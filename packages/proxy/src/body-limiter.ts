import { Readable } from 'node:stream';
import { ProxyError } from './proxy-error.js';

const kLimiter = Symbol('nexo.bodyLimiter');

type Source = Readable & { [kLimiter]?: BodyLimiter };

/**
 * Passes a request body of unknown length (chunked, HTTP/2 without Content-Length)
 * through while counting it, and fails with `body_too_large` past the limit. Bodies
 * with a Content-Length skip this: Node's parser and undici already hold them to it.
 * Back-pressure flows through: the source is paused while this stream's buffer is full.
 */
export class BodyLimiter extends Readable {
  bytes = 0;
  readonly #source: Source;
  readonly #maxBytes: number;

  constructor(source: Readable, maxBytes: number) {
    super();
    this.#source = source;
    this.#maxBytes = maxBytes;
    this.#source[kLimiter] = this;
    source.on('data', onSourceData);
    source.on('end', onSourceEnd);
    source.on('error', onSourceError);
  }

  override _read(): void {
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const source = this.#source;
    source.off('data', onSourceData);
    source.off('end', onSourceEnd);
    source.off('error', onSourceError);
    callback(error);
  }

  /** @internal */
  accept(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#maxBytes) {
      this.#source.pause();
      this.destroy(
        new ProxyError(
          'body_too_large',
          `request body exceeds ${this.#maxBytes} bytes; raise maxBodyBytes if such bodies are expected`,
        ),
      );
      return;
    }
    if (!this.push(chunk)) this.#source.pause();
  }
}

function onSourceData(this: Source, chunk: Buffer): void {
  this[kLimiter]?.accept(chunk);
}

function onSourceEnd(this: Source): void {
  this[kLimiter]?.push(null);
}

function onSourceError(this: Source, error: Error): void {
  this[kLimiter]?.destroy(error);
}
