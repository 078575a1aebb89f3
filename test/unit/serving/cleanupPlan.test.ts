// delete-old: which deployments go after a verified promotion. Table tests for the order, properties for the safety rules.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oldestFirst, planCleanup, type DeploymentAge, type EndpointTraffic } from '../../../src/serving/trafficPlan.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

describe('oldestFirst', () => {
  it('orders by systemData.createdAt, ties and missing timestamps by name, missing first', () => {
    expect(oldestFirst([
      { name: 'c', provisioningState: 'Succeeded', createdAt: at(5) },
      { name: 'b', provisioningState: 'Succeeded', createdAt: at(1) },
      { name: 'a', provisioningState: 'Succeeded', createdAt: at(1) },
      { name: 'z', provisioningState: 'Succeeded' },
      { name: 'y', provisioningState: 'Succeeded', createdAt: 'not a date' },
    ])).toEqual(['y', 'z', 'a', 'b', 'c']);
  });
});

describe('planCleanup', () => {
  const deployments: DeploymentAge[] = [
    { name: 'v1', provisioningState: 'Succeeded', createdAt: at(1) },
    { name: 'v2', provisioningState: 'Succeeded', createdAt: at(2) },
    { name: 'v3', provisioningState: 'Failed', createdAt: at(3) },
    { name: 'v4', provisioningState: 'Succeeded', createdAt: at(4) },
    { name: 'v5', provisioningState: 'Succeeded', createdAt: at(5) },
    { name: 'v6', provisioningState: 'Creating', createdAt: at(6) },
  ];
  const state: EndpointTraffic = { traffic: { v5: 100, v1: 0, v2: 0, v4: 0 }, mirrorTraffic: {} };

  it('keeps the newest idle Succeeded deployments, deletes idle Failed ones, never the promoted or a busy one', () => {
    expect(planCleanup(state, deployments, 'v5', 1)).toEqual(['v1', 'v2', 'v3']);
    expect(planCleanup(state, deployments, 'v5', 0)).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(planCleanup(state, deployments, 'v5', 5)).toEqual(['v3']);
  });

  it('keeps first the deployments that served before the promotion (the rollback target), then the newest', () => {
    expect(planCleanup(state, deployments, 'v5', 1, { v1: 100 })).toEqual(['v2', 'v3', 'v4']);
    expect(planCleanup(state, deployments, 'v5', 2, { v1: 90, v5: 10 })).toEqual(['v2', 'v3']);
  });

  it('keeps a deployment with mirror traffic or live traffic', () => {
    expect(planCleanup({ traffic: { v5: 90, v1: 10 }, mirrorTraffic: { v2: 20 } }, deployments, 'v5', 0)).toEqual(['v3', 'v4']);
  });

  const arbitraryState = fc
    .uniqueArray(fc.constantFrom<string>('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { minLength: 1, maxLength: 8 })
    .chain((names) =>
      fc.record({
        deployments: fc.tuple(...names.map((name) => fc.record({ name: fc.constant(name), provisioningState: fc.constantFrom('Succeeded', 'Failed', 'Canceled', 'Creating', 'Updating', 'Deleting'), createdAt: fc.option(fc.integer({ min: 0, max: 50 }).map(at), { nil: undefined }) }))),
        live: fc.array(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 100 }))),
        mirror: fc.array(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 50 }))),
        promoted: fc.constantFrom(...names),
        keepPrevious: fc.integer({ min: 0, max: 5 }),
        before: fc.array(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 0, max: 100 }))),
      }),
    );

  it('property: never the promoted one, never one with traffic, never one that is not settled; keeps keep-previous idle Succeeded ones', () => {
    fc.assert(
      fc.property(arbitraryState, ({ deployments: ds, live, mirror, promoted, keepPrevious, before }) => {
        const state: EndpointTraffic = { traffic: Object.fromEntries(live), mirrorTraffic: Object.fromEntries(mirror) };
        const servedBefore = Object.fromEntries(before);
        const doomed = planCleanup(state, ds, promoted, keepPrevious, servedBefore);
        const byName = new Map(ds.map((d) => [d.name, d]));
        for (const name of doomed) {
          expect(name).not.toBe(promoted);
          expect(state.traffic[name] ?? 0).toBe(0);
          expect(state.mirrorTraffic[name] ?? 0).toBe(0);
          expect(['Succeeded', 'Failed', 'Canceled']).toContain(byName.get(name)!.provisioningState);
        }
        expect(new Set(doomed).size).toBe(doomed.length);
        const idleSucceeded = ds.filter((d) => d.name !== promoted && d.provisioningState === 'Succeeded' && (state.traffic[d.name] ?? 0) === 0 && (state.mirrorTraffic[d.name] ?? 0) === 0);
        const keptIdle = idleSucceeded.filter((d) => !doomed.includes(d.name));
        expect(keptIdle.length).toBe(Math.min(keepPrevious, idleSucceeded.length));
        // The ones kept served before the promotion or are the most recent: none deleted ranks above one kept.
        const order = oldestFirst(ds);
        const rank = (name: string) => ((servedBefore[name] ?? 0) > 0 ? 1000 : 0) + order.indexOf(name);
        for (const kept of keptIdle) for (const gone of doomed.filter((n) => byName.get(n)!.provisioningState === 'Succeeded')) expect(rank(gone)).toBeLessThan(rank(kept.name));
        // Oldest first, so a partial clean-up removes the oldest.
        expect(doomed).toEqual(order.filter((n) => doomed.includes(n)));
      }),
    );
  });
});
