import { limitOldGenerationGrowth } from './server/old-generation.js';
import { keepWasmOnLiftoff } from './server/wasm-tiering.js';
import { capYoungGeneration } from './server/young-generation.js';

// Before anything else loads: module loading is what first grows V8's young generation.
capYoungGeneration();
limitOldGenerationGrowth();
keepWasmOnLiftoff();

// `nexo validate | head -1`: a reader that stops early is not an error worth a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const { processIo } = await import('./cli/cli-io.js');
const { runCli } = await import('./cli/run-cli.js');

try {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
} catch (error) {
  // A bug or an unexpected failure: show it whole, it is what a bug report needs.
  process.stderr.write(
    `nexo: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exitCode = 1;
}

// Everything is closed by now; if a stray handle still holds the event loop, do not hang.
setTimeout(() => process.exit(), 2_000).unref();
