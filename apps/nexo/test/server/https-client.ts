import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface TestRequest {
  port: number;
  /** TLS server name (SNI). */
  servername: string;
  /** Host header or :authority; defaults to `servername`. */
  host?: string;
  path?: string;
  method?: string;
  /** CA to trust: the server certificate must verify against it. */
  ca: string;
  protocol: 'http/1.1' | 'h2';
  timeoutMs?: number;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The protocol ALPN chose. */
  alpn: string | false;
  /** Serial number of the certificate the server presented. */
  serial: string;
}

/** One request over a fresh connection to 127.0.0.1, with chosen SNI and Host. */
export function request(options: TestRequest): Promise<TestResponse> {
  return options.protocol === 'h2' ? requestH2(options) : requestH1(options);
}

function requestH1(options: TestRequest): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1',
      port: options.port,
      servername: options.servername,
      ca: options.ca,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: { host: options.host ?? options.servername },
      ALPNProtocols: ['http/1.1'],
      agent: false,
      timeout: options.timeoutMs ?? 10_000,
    } as RequestOptions & { ALPNProtocols: string[] });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      const socket = res.socket as TLSSocket;
      const serial = socket.getPeerCertificate().serialNumber;
      const alpn = socket.alpnProtocol;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          alpn: alpn ?? false,
          serial,
        });
      });
    });
    req.end();
  });
}

function requestH2(options: TestRequest): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port: options.port,
      servername: options.servername,
      ca: options.ca,
      ALPNProtocols: ['h2'],
    });
    const session = http2Connect(`https://${options.servername}:${options.port}`, {
      createConnection: () => socket,
    });
    const timer = setTimeout(() => {
      session.destroy(new Error('request timed out'));
    }, options.timeoutMs ?? 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(error);
    };
    session.on('error', fail);

    const stream = session.request({
      ':method': options.method ?? 'GET',
      ':path': options.path ?? '/',
      ':authority': options.host ?? options.servername,
    });
    stream.on('error', fail);
    stream.on('response', (headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        clearTimeout(timer);
        const result: TestResponse = {
          status: Number(headers[':status']),
          headers: headers as TestResponse['headers'],
          body: Buffer.concat(chunks).toString('utf8'),
          alpn: socket.alpnProtocol ?? false,
          serial: socket.getPeerCertificate().serialNumber,
        };
        session.close();
        resolve(result);
      });
    });
    stream.end();
  });
}

/** The serial of the certificate served for `servername`, or undefined if none verifies. */
export function servedSerial(
  port: number,
  servername: string,
  ca: string,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca });
    socket.setTimeout(5000, () => socket.destroy());
    socket.once('secureConnect', () => {
      resolve(socket.authorized ? socket.getPeerCertificate().serialNumber : undefined);
      socket.end();
    });
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => resolve(undefined));
  });
}
