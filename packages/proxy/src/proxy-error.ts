/** Stable codes of {@link ProxyError}. */
export type ProxyErrorKind = 'invalid_option' | 'invalid_upstream' | 'body_too_large';

/** A bad option or upstream given to the proxy, or a request body over the limit. */
export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly code: ProxyErrorKind;

  constructor(code: ProxyErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
