import { caddyProxy } from './caddy.mjs';
import { haproxyProxy } from './haproxy.mjs';
import { nexoProxy } from './nexo.mjs';
import { nginxProxy } from './nginx.mjs';
import { bareProxy, httpProxyProxy } from './node-peers.mjs';

/** Every proxy the bench knows, in report order. */
export const PROXIES = [nexoProxy, nginxProxy, haproxyProxy, caddyProxy, bareProxy, httpProxyProxy];
