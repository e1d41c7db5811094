import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../../src/log/create-logger.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

describe('createLogger', () => {
  test('json: one object a line, secrets redacted wherever Nexo logs them', async () => {
    const out = capture();
    const { logger, flush } = await createLogger({
      level: 'info',
      format: 'json',
      destination: out.stream,
    });

    logger.info(
      {
        apiToken: 'cf-secret',
        cloudflare: { apiToken: 'cf-secret-2' },
        eab: { hmacKey: 'hmac-secret' },
        req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', host: 'a.example.com' } },
        res: { headers: { 'set-cookie': 'sid=2' } },
      },
      'request',
    );
    logger.debug({}, 'hidden at info');
    await flush();

    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      apiToken: '[redacted]',
      cloudflare: { apiToken: '[redacted]' },
      eab: { hmacKey: '[redacted]' },
      req: {
        headers: { authorization: '[redacted]', cookie: '[redacted]', host: 'a.example.com' },
      },
      res: { headers: { 'set-cookie': '[redacted]' } },
    });
    expect(out.text()).not.toMatch(/secret|Bearer|sid=/);
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  test('pretty: readable lines, still redacted; the level can change live', async () => {
    const out = capture();
    const { logger, flush } = await createLogger({
      level: 'warn',
      format: 'pretty',
      destination: out.stream,
      colorize: false,
    });

    logger.info({}, 'not shown');
    logger.level = 'info';
    logger.info({ token: 'tok-secret', host: 'a.example.com' }, 'certificate obtained');
    await flush();

    expect(out.text()).toContain('INFO');
    expect(out.text()).toContain('certificate obtained');
    expect(out.text()).toContain('a.example.com');
    expect(out.text()).not.toContain('not shown');
    expect(out.text()).not.toContain('tok-secret');
  });
});
