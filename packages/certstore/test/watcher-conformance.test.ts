import { EventEmitter } from 'node:events';
import { runWatcherConformance } from '../src/conformance.js';
import { FileStorage } from '../src/file-storage.js';
import type { StorageChange, StorageWatcher, StoreOptions } from '../src/storage.js';
import { makeTempDir } from './helpers/certificates.js';

/**
 * FileStorage does not watch; this test-only wrapper announces its own changes, which
 * is enough to run the watcher suite itself (the Redis backend runs it for real).
 */
class AnnouncingStorage extends FileStorage implements StorageWatcher {
  private readonly events = new EventEmitter();

  override async store(key: string, value: Uint8Array | string, options?: StoreOptions) {
    await super.store(key, value, options);
    this.events.emit('change', { key, type: 'store' } satisfies StorageChange);
  }

  override async delete(key: string) {
    await super.delete(key);
    this.events.emit('change', { key, type: 'delete' } satisfies StorageChange);
  }

  watch(prefix: string, listener: (change: StorageChange) => void): () => void {
    const filtered = (change: StorageChange) => {
      if (change.key.startsWith(prefix)) listener(change);
    };
    this.events.on('change', filtered);
    return () => this.events.off('change', filtered);
  }
}

runWatcherConformance({
  name: 'AnnouncingStorage (test double)',
  create: async () => {
    const dir = await makeTempDir('watch');
    const storage = new AnnouncingStorage({ root: dir.path });
    return { storage, watcher: storage, cleanup: dir.remove };
  },
});
