/** Command-line options of `pnpm bench`. */

const PROXIES = ['nexo', 'nginx', 'haproxy', 'caddy', 'bare', 'http-proxy'];

const USAGE = `usage: pnpm bench [options]
  --quick             1 repetition, 3 s runs (development)
  --only <proxy>      run one proxy (repeatable): ${PROXIES.join(', ')}
  --scenario <id>     run one scenario (repeatable): h1, h1-tls, h1-tls-100k, h2-tls, handshake
  --reps <n>          repetitions per run (default 3)
  --duration <s>      measured seconds per run (default 8)
  --warmup <s>        unmeasured load before each run (default 1)
  --profile           also take a CPU profile of Nexo on TLS 1 KiB and print its top frames
  --soak <minutes>    instead of the matrix: moderate load on one proxy (default nexo),
                      RSS and heap (from --trace-gc) sampled every 10 s
  --no-doc            do not rewrite docs/benchmarks.md and the chart
  --nexo-flags <s>    extra node flags for Nexo only, e.g. "--max-semi-space-size=4"
  --keep              keep the temporary directory (configs, certificates, logs)
  --help`;

/**
 * Parses argv into an options object; throws with the usage text on a bad option.
 * @param {string[]} argv
 */
export function parseArgs(argv) {
  const options = {
    reps: 3,
    durationS: 8,
    warmupS: 1,
    proxies: [],
    scenarios: [],
    profile: false,
    soakMinutes: 0,
    writeDoc: true,
    keep: false,
    nexoNodeFlags: [],
    quick: false,
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return value;
    };
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only') options.proxies.push(oneOf(next(), PROXIES, arg));
    else if (arg === '--scenario') options.scenarios.push(next());
    else if (arg === '--reps') options.reps = positive(next(), arg);
    else if (arg === '--duration') options.durationS = positive(next(), arg);
    else if (arg === '--warmup') options.warmupS = Number(next());
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--soak') options.soakMinutes = positive(next(), arg);
    else if (arg === '--no-doc') options.writeDoc = false;
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--nexo-flags') options.nexoNodeFlags = next().split(/\s+/).filter(Boolean);
    else if (arg === '--help' || arg === '-h') throw new Error(USAGE);
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }

  if (options.quick) {
    options.reps = 1;
    options.durationS = 3;
  }
  if (options.proxies.length === 0) options.proxies = [...PROXIES];
  return options;
}

function oneOf(value, allowed, flag) {
  if (!allowed.includes(value)) {
    throw new Error(`${flag} ${value}: expected one of ${allowed.join(', ')}`);
  }
  return value;
}

function positive(value, flag) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} ${value}: expected a number > 0`);
  return n;
}
