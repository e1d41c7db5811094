import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Which config file to use: `--config PATH`, else `NEXO_CONFIG`, else
 * `~/.nexo/config.yaml`.
 */
export function resolveConfigPath(options: {
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
}): string {
  if (options.flag !== undefined && options.flag !== '') return options.flag;

  const fromEnv = (options.env ?? process.env).NEXO_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;

  return join(options.homeDir ?? homedir(), '.nexo', 'config.yaml');
}
