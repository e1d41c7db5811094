import http from 'node:http';
import { createProxy, serverOptions } from '@nexo/proxy';

const proxy = createProxy();
const api = proxy.createTarget({
  upstreams: [process.env.API_UPSTREAM ?? 'http://127.0.0.1:3000'],
});

// Requests under /api/ go to the API upstream; everything else stays with this app.
export const server = http.createServer(serverOptions(), (req, res) => {
  if (req.url?.startsWith('/api/')) return proxy.handleRequest(req, res, api);
  res.end('hello from the app\n');
});
server.on('upgrade', (req, socket, head) => {
  if (req.url?.startsWith('/api/')) proxy.handleUpgrade(req, socket, head, api);
  else socket.destroy();
});
server.on('close', () => proxy.close());
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');
