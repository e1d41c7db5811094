import { readFileSync } from 'node:fs';
import tls from 'node:tls';

/**
 * Reads the JSON config the bench writes for the Node peers:
 * `{ httpPort, httpsPort, upstream, hosts: string[], sites: [{ wildcard, certFile, keyFile }] }`.
 * @param {string} file
 */
export function readPeerConfig(file) {
  const config = JSON.parse(readFileSync(file, 'utf8'));
  const routes = new Map(config.hosts.map((host) => [host, config.upstream]));
  return { ...config, routes };
}

/**
 * Builds one SecureContext per certificate, once, and returns an SNICallback that
 * picks the context whose wildcard covers the server name.
 * @param {{ wildcard: string, certFile: string, keyFile: string }[]} sites
 */
export function sniCallback(sites) {
  const contexts = new Map();
  for (const site of sites) {
    const context = tls.createSecureContext({
      cert: readFileSync(site.certFile),
      key: readFileSync(site.keyFile),
    });
    contexts.set(site.wildcard.slice(1), context);
  }

  return (servername, callback) => {
    const dot = servername.indexOf('.');
    const context = dot === -1 ? undefined : contexts.get(servername.slice(dot).toLowerCase());
    if (context) callback(null, context);
    else callback(new Error(`no certificate for ${servername}`));
  };
}

/** Host header without port, lowercased; `undefined` when absent. */
export function requestHost(req) {
  const host = req.headers[':authority'] ?? req.headers.host;
  if (!host) return undefined;
  const colon = host.lastIndexOf(':');
  const name = colon === -1 || host.endsWith(']') ? host : host.slice(0, colon);
  return name.toLowerCase();
}
