import { setFlagsFromString } from 'node:v8';

export interface KeepWasmOnLiftoffOptions {
  /** The node flags in effect; default `process.execArgv` and `NODE_OPTIONS`. */
  nodeFlags?: string;
}

/**
 * Keeps WebAssembly on V8's baseline compiler (Liftoff). undici parses upstream responses
 * with llhttp compiled to WebAssembly; on the first proxied request V8 optimises its large
 * parser function with TurboFan, which briefly takes about 35 MB (measured on Node 20:
 * peak RSS 113 MB with it, about 80 MB without) and keeps 3–4 MB more code. The parser
 * is about 2% of Nexo's CPU under load, so its slower baseline code costs little.
 *
 * Must run before undici compiles llhttp (on the first upstream connection). Does nothing
 * when the user set a Liftoff or tiering flag.
 */
export function keepWasmOnLiftoff(options: KeepWasmOnLiftoffOptions = {}): void {
  const nodeFlags =
    options.nodeFlags ?? `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (nodeFlags.includes('liftoff') || nodeFlags.includes('wasm-tier')) return;

  setFlagsFromString('--liftoff-only');
}
