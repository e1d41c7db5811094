/** Stable codes of {@link RouterError}, safe to match on. */
export type RouterErrorCode = 'invalid_host_pattern' | 'duplicate_route' | 'invalid_redirect';

/** A route or redirect in the configuration cannot be used; `host` names the entry. */
export class RouterError extends Error {
  override readonly name = 'RouterError';
  readonly code: RouterErrorCode;
  readonly host: string;

  constructor(code: RouterErrorCode, host: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.host = host;
  }
}
