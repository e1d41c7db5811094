import { mkdir, mkdtemp, rename, rm, rmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { type ConfigWatcher, watchConfig } from '../../src/reload/config-watcher.js';
import { RecordingLogger } from './recording-logger.js';

const DEBOUNCE_MS = 60;
/** Long enough for any late duplicate to show up on a busy machine. */
const SETTLE_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchConfig', () => {
  let dir: string;
  let watcher: ConfigWatcher | undefined;
  let changes: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nexo-watch-'));
    changes = 0;
  });
  afterEach(async () => {
    watcher?.close();
    watcher = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(path: string, pollIntervalMs = 0, debounceMs = DEBOUNCE_MS) {
    watcher = watchConfig({
      path,
      debounceMs,
      pollIntervalMs,
      onChange: () => {
        changes++;
      },
    });
    await watcher.ready;
  }

  async function expectChanges(count: number): Promise<void> {
    await vi.waitFor(() => expect(changes).toBe(count), { timeout: 10_000, interval: 20 });
    await sleep(SETTLE_MS);
    expect(changes).toBe(count);
  }

  test('an in-place write is one change', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    await start(path);

    await writeFile(path, 'a: 2\n');

    await expectChanges(1);
  });

  test("an editor's atomic save (write temp, rename over) is seen, and keeps being seen", async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    await start(path);

    for (const version of [2, 3]) {
      await writeFile(join(dir, '.config.yaml.swp'), `a: ${version}\n`);
      await rename(join(dir, '.config.yaml.swp'), path);
      await expectChanges(version - 1);
    }
  });

  test('a Kubernetes-style symlink swap (..data re-pointed) is seen', async () => {
    // config.yaml -> ..data/config.yaml, ..data -> ..v1; the update re-points ..data.
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'config.yaml'), 'a: 1\n');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'config.yaml'), join(dir, 'config.yaml'));
    await start(join(dir, 'config.yaml'));

    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'config.yaml'), 'a: 2\n');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await rm(join(dir, '..v1'), { recursive: true });

    await expectChanges(1);
  });

  test('a link to a file in another directory: edits of the target are seen', async () => {
    const other = join(dir, 'secrets');
    await mkdir(other);
    await writeFile(join(other, 'config.yaml'), 'a: 1\n');
    await symlink(join(other, 'config.yaml'), join(dir, 'config.yaml'));
    await start(join(dir, 'config.yaml'));

    await writeFile(join(other, 'config.yaml'), 'a: 2\n');

    await expectChanges(1);
  });

  test('a file briefly absent is not a change; coming back different is one', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    await start(path);

    await unlink(path);
    await sleep(DEBOUNCE_MS * 4);
    await writeFile(path, 'a: 1\n');
    await sleep(SETTLE_MS);
    expect(changes).toBe(0);

    await unlink(path);
    await sleep(DEBOUNCE_MS * 4);
    await writeFile(path, 'a: 2\n');
    await expectChanges(1);
  });

  test('a file that cannot be read is one warning with the cause, then edits are seen again', async () => {
    const path = join(dir, 'config.yaml');
    const logger = new RecordingLogger();
    await writeFile(path, 'a: 1\n');
    watcher = watchConfig({
      path,
      logger,
      debounceMs: DEBOUNCE_MS,
      pollIntervalMs: 50,
      onChange: () => {
        changes++;
      },
    });
    await watcher.ready;

    await unlink(path);
    await mkdir(path);
    const warnings = () => logger.lines.filter((line) => line.level === 'warn');
    await vi.waitFor(() => expect(warnings()).toHaveLength(1), { timeout: 10_000 });
    await sleep(SETTLE_MS);
    expect(warnings()).toMatchObject([
      {
        fields: { path, err: { code: 'EISDIR' } },
        msg: 'cannot read config file; edits are ignored',
      },
    ]);

    await rmdir(path);
    await writeFile(path, 'a: 2\n');
    await expectChanges(1);
  });

  test('a burst of saves is debounced into one change', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 0\n');
    // A longer quiet time than the other tests: on a loaded machine two of these writes
    // can be further apart than 60 ms, which would rightly end the burst.
    await start(path, 0, 500);

    for (let i = 1; i <= 10; i++) await writeFile(path, `a: ${i}\n`);

    await expectChanges(1);
  });

  test('rewriting the same content (touch) is not a change', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    await start(path);

    await writeFile(path, 'a: 1\n');
    await sleep(SETTLE_MS);

    expect(changes).toBe(0);
  });

  test('the poll alone finds a change when no event arrives', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 1\n');
    watcher = watchConfig({
      path,
      debounceMs: DEBOUNCE_MS,
      pollIntervalMs: 50,
      useEvents: false,
      onChange: () => {
        changes++;
      },
    });
    await watcher.ready;
    await writeFile(path, 'a: 22\n');

    await expectChanges(1);
  });

  test('an edit made between loading and watching is reported', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'a: 2\n');
    watcher = watchConfig({
      path,
      initialSha256: '0'.repeat(64),
      debounceMs: DEBOUNCE_MS,
      pollIntervalMs: 0,
      onChange: () => {
        changes++;
      },
    });

    await expectChanges(1);
  });
});
