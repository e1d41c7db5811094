import type { NexoConfig } from '../config/types.js';
import type { SniCallback } from './https-listener.js';

/**
 * What the server needs from certificate management: serve what is stored, tell whether
 * a connection's certificate covers a host, and follow the config's hosts.
 */
export interface ServerCertificates {
  /** Picks the certificate for a TLS server name; fails the handshake when none covers it. */
  readonly sniCallback: SniCallback;
  /** Whether the certificate served for `servername` also covers `host`. */
  coversHost(servername: string | undefined, host: string): boolean;
  /**
   * Plans the certificates `config` needs and starts obtaining the missing ones in the
   * background; certificates no longer planned stay on disk but are not renewed. Returns
   * at once: hosts start working as their certificates arrive.
   */
  follow(config: NexoConfig): void;
  /** Stops maintenance and waits for attempts in progress to give up or finish. */
  close(): Promise<void>;
}
