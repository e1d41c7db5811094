/**
 * What each scenario sends. `tool` picks the load generator; `connections` and
 * `streams` are the concurrency the proxy sees.
 */
export const SCENARIOS = [
  {
    id: 'h1',
    title: 'HTTP/1.1 plain, 1 KiB',
    tool: 'wrk',
    tls: false,
    path: '/1k',
    connections: 64,
  },
  {
    id: 'h1-tls',
    title: 'HTTP/1.1 TLS, 1 KiB',
    tool: 'wrk',
    tls: true,
    path: '/1k',
    connections: 64,
  },
  {
    id: 'h1-tls-100k',
    title: 'HTTP/1.1 TLS, 100 KiB',
    tool: 'wrk',
    tls: true,
    path: '/100k',
    connections: 32,
  },
  {
    id: 'h2-tls',
    title: 'HTTP/2 TLS, 1 KiB',
    tool: 'h2load',
    tls: true,
    path: '/1k',
    connections: 16,
    streams: 10,
  },
  {
    id: 'handshake',
    title: 'New TLS connections/s (full handshake + one 1 KiB request)',
    tool: 'handshake',
    tls: true,
    path: '/1k',
    connections: 32,
  },
];

/** @param {string} id */
export function scenarioById(id) {
  const scenario = SCENARIOS.find((s) => s.id === id);
  if (!scenario) {
    throw new Error(`scenario ${id}: expected one of ${SCENARIOS.map((s) => s.id).join(', ')}`);
  }
  return scenario;
}
