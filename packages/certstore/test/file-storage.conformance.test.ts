import { runStorageConformance } from '../src/conformance.js';
import { FileStorage } from '../src/file-storage.js';
import { makeTempDir } from './helpers/certificates.js';

runStorageConformance({
  name: 'FileStorage',
  leaseMs: 300,
  create: async () => {
    const dir = await makeTempDir('conformance');
    const settings = { root: dir.path, pollIntervalMs: 20 };
    const storage = new FileStorage(settings);
    await storage.prepare();
    return {
      storage,
      locker: storage,
      lockerWithoutRefresh: new FileStorage({ ...settings, autoRefresh: false }),
      cleanup: dir.remove,
    };
  },
});
