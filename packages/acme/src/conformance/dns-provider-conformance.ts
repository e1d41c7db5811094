import { afterEach, describe, expect, it } from 'vitest';
import type { DnsProvider, DnsRecord } from '../dns-provider.js';

/** What {@link describeDnsProviderConformance} needs to exercise a provider against a real zone. */
export interface DnsProviderConformanceOptions {
  /** Shown in the test titles. */
  name: string;
  /** Creates the provider under test; called for every test. */
  createProvider(): DnsProvider | Promise<DnsProvider>;
  /** A zone the provider manages, e.g. `example.com`. */
  zone: string;
  /** A name in no zone the provider manages, e.g. `nexo-conformance.invalid`. */
  unmanagedName: string;
  /** The TXT values at `name` right now, read from the provider's API or its DNS. */
  readTxt(name: string): Promise<string[]>;
  /** First label of the test record names. Default `_nexo-conformance`. */
  label?: string;
}

/**
 * Registers a vitest suite that checks a {@link DnsProvider} against the written
 * contract: zone lookup, additive appends, exact deletes, idempotent deletes, concurrency
 * and cancellation. Run it against a sandbox zone: it creates and deletes TXT records
 * under `label` only.
 */
export function describeDnsProviderConformance(options: DnsProviderConformanceOptions): void {
  const label = options.label ?? '_nexo-conformance';
  const zone = options.zone.toLowerCase();
  let counter = 0;
  const created: Array<{ provider: DnsProvider; records: DnsRecord[] }> = [];

  const nameFor = () => `${label}-${process.pid}-${++counter}.${zone}`;
  const txt = (name: string, value: string): DnsRecord => ({ name, type: 'TXT', value });
  const append = async (provider: DnsProvider, records: DnsRecord[]) => {
    const result = await provider.appendRecords(zone, records);
    created.push({ provider, records: result });
    return result;
  };

  describe(`DnsProvider conformance: ${options.name}`, () => {
    afterEach(async () => {
      for (const { provider, records } of created.splice(0)) {
        await provider.deleteRecords(zone, records);
      }
    });

    it('finds the zone of its apex and of deep names, ignoring case and a final dot', async () => {
      const provider = await options.createProvider();

      expect(await provider.findZone(zone)).toBe(zone);
      expect(await provider.findZone(`_acme-challenge.a.b.${zone}`)).toBe(zone);
      expect(await provider.findZone(`_ACME-challenge.${zone.toUpperCase()}.`)).toBe(zone);
    });

    it('rejects a name outside its zones with ZONE_NOT_FOUND', async () => {
      const provider = await options.createProvider();

      await expect(provider.findZone(options.unmanagedName)).rejects.toMatchObject({
        code: 'ZONE_NOT_FOUND',
      });
    });

    it('appends two values at one name in one call and returns them with ids', async () => {
      const provider = await options.createProvider();
      const name = nameFor();

      const records = await append(provider, [txt(name, 'value-one'), txt(name, 'value-two')]);

      expect(records.map((r) => [r.name, r.type, r.value])).toEqual([
        [name, 'TXT', 'value-one'],
        [name, 'TXT', 'value-two'],
      ]);
      expect(records.every((r) => typeof r.id === 'string' && r.id !== '')).toBe(true);
      expect((await options.readTxt(name)).sort()).toEqual(['value-one', 'value-two']);
    });

    it('keeps existing values when appending, and deletes only the given records', async () => {
      const provider = await options.createProvider();
      const name = nameFor();

      const [first] = await append(provider, [txt(name, 'kept')]);
      const second = await append(provider, [txt(name, 'removed')]);
      expect((await options.readTxt(name)).sort()).toEqual(['kept', 'removed']);
      await provider.deleteRecords(zone, second);

      expect(first).toBeDefined();
      expect(await options.readTxt(name)).toEqual(['kept']);
    });

    it('succeeds when deleting a record twice, and deletes by value without an id', async () => {
      const provider = await options.createProvider();
      const name = nameFor();

      const records = await append(provider, [txt(name, 'twice'), txt(name, 'by-value')]);
      await provider.deleteRecords(zone, records.slice(0, 1));
      await provider.deleteRecords(zone, records.slice(0, 1));
      await provider.deleteRecords(zone, [txt(name, 'by-value')]);

      expect(await options.readTxt(name)).toEqual([]);
    });

    it('handles concurrent appends and deletes', async () => {
      const provider = await options.createProvider();
      const names = [nameFor(), nameFor(), nameFor()];

      const results = await Promise.all(names.map((name) => append(provider, [txt(name, 'c')])));
      const seen = await Promise.all(names.map((name) => options.readTxt(name)));
      await Promise.all(results.map((records) => provider.deleteRecords(zone, records)));
      const after = await Promise.all(names.map((name) => options.readTxt(name)));

      expect(seen).toEqual([['c'], ['c'], ['c']]);
      expect(after).toEqual([[], [], []]);
    });

    it('rejects with the reason of an aborted signal and creates nothing', async () => {
      const provider = await options.createProvider();
      const name = nameFor();
      const reason = new Error('conformance abort');

      const call = provider.appendRecords(zone, [txt(name, 'never')], {
        signal: AbortSignal.abort(reason),
      });

      await expect(call).rejects.toBe(reason);
      expect(await options.readTxt(name)).toEqual([]);
    });
  });
}
