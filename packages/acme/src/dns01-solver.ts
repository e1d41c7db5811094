import type { DnsProvider, DnsRecord } from './dns-provider.js';
import { type Logger, silentLogger } from './logger.js';
import type { OperationOptions } from './operation-options.js';
import { checkResolvers, type PropagationOptions, waitForTxtRecords } from './propagation.js';
import type { ChallengeSolver, Dns01Challenge, Presented } from './solver.js';

/** Options of {@link createDns01Solver}: the provider that writes records, how to wait. */
export interface Dns01SolverOptions {
  provider: DnsProvider;
  propagation?: PropagationOptions;
  /** TTL asked for challenge records. Default 60. */
  recordTtlSeconds?: number;
  logger?: Logger;
}

interface Dns01Presented extends Presented {
  readonly zones: ReadonlyArray<{ zone: string; records: DnsRecord[] }>;
}

/**
 * A DNS-01 solver over a {@link DnsProvider}: groups the records by zone (apex and
 * wildcard share one name and get two TXT values), checks propagation with its own DNS
 * queries, and deletes exactly the records it created.
 */
export function createDns01Solver(options: Dns01SolverOptions): ChallengeSolver {
  const { provider } = options;
  const logger = (options.logger ?? silentLogger).child({ solver: 'dns-01' });
  const ttlSeconds = options.recordTtlSeconds ?? 60;
  checkResolvers(options.propagation?.resolvers);

  return {
    challengeType: 'dns-01',

    async present(challenges, callOptions: OperationOptions = {}) {
      const byZone = await groupByZone(provider, challenges, callOptions.signal);
      const zones: Array<{ zone: string; records: DnsRecord[] }> = [];

      try {
        for (const [zone, zoneChallenges] of byZone) {
          const records = zoneChallenges.map(
            (c): DnsRecord => ({ name: c.recordName, type: 'TXT', value: c.value, ttlSeconds }),
          );
          zones.push({
            zone,
            records: await provider.appendRecords(zone, records, callOptions),
          });
        }
      } catch (error) {
        await deleteAll(provider, zones, logger);
        throw error;
      }
      logger.info({ records: challenges.map((c) => c.recordName) }, 'challenge records created');
      return { challenges, zones } satisfies Dns01Presented;
    },

    async waitUntilVisible(presented, callOptions: OperationOptions = {}) {
      const expected = new Map<string, string[]>();
      for (const challenge of presented.challenges) {
        const values = expected.get(challenge.recordName) ?? [];
        values.push(challenge.value);
        expected.set(challenge.recordName, values);
      }

      await waitForTxtRecords(
        [...expected].map(([name, values]) => ({ name, values })),
        options.propagation ?? {},
        { logger, signal: callOptions.signal },
      );
    },

    async cleanup(presented) {
      await deleteAll(provider, (presented as Dns01Presented).zones, logger);
    },
  };
}

async function groupByZone(
  provider: DnsProvider,
  challenges: readonly Dns01Challenge[],
  signal: AbortSignal | undefined,
): Promise<Map<string, Dns01Challenge[]>> {
  const zoneOfName = new Map<string, Promise<string>>();
  const byZone = new Map<string, Dns01Challenge[]>();

  for (const challenge of challenges) {
    let zone = zoneOfName.get(challenge.recordName);
    if (zone === undefined) {
      zone = provider.findZone(challenge.recordName, { signal });
      zoneOfName.set(challenge.recordName, zone);
    }
    const name = await zone;
    byZone.set(name, [...(byZone.get(name) ?? []), challenge]);
  }
  return byZone;
}

/** Deletes every record, zone by zone; one zone failing does not stop the others. */
async function deleteAll(
  provider: DnsProvider,
  zones: ReadonlyArray<{ zone: string; records: DnsRecord[] }>,
  logger: Logger,
): Promise<void> {
  let firstError: unknown;
  for (const { zone, records } of zones) {
    try {
      await provider.deleteRecords(zone, records);
    } catch (error) {
      firstError ??= error;
      logger.error(
        { err: error, zone, records: records.map((r) => r.name) },
        'could not delete challenge records',
      );
    }
  }
  if (firstError !== undefined) throw firstError;
  if (zones.length > 0)
    logger.info({ zones: zones.map((z) => z.zone) }, 'challenge records deleted');
}
