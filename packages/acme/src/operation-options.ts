/** Options every cancellable operation takes. */
export interface OperationOptions {
  /** Aborting rejects the operation with the signal's reason, after cleaning up. */
  signal?: AbortSignal;
}
