// The traffic planner: table tests for each decision and properties for the safety invariant.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apportion,
  deploymentNameFor,
  deploymentsToDelete,
  endpointTrafficProblems,
  formatTraffic,
  MAX_MIRROR_PERCENT,
  parseTrafficMap,
  parseTrafficSteps,
  planDeployTraffic,
  planPromotion,
  planRollback,
  planRollbackTo,
  sameTraffic,
  trafficProblems,
  type DeploymentStates,
  type EndpointTraffic,
  type Planned,
} from '../../../src/serving/trafficPlan.js';

const value = <T>(planned: Planned<T>): T => {
  if (!planned.ok) throw new Error(`refused: ${planned.reason}`);
  return planned.value;
};
const reason = <T>(planned: Planned<T>): string => (planned.ok ? 'planned' : planned.reason);
const total = (map: Readonly<Record<string, number>>) => Object.values(map).reduce((a, b) => a + b, 0);

const states: DeploymentStates = { blue: 'Succeeded', green: 'Succeeded', red: 'Failed', grey: 'Creating' };
const blueLive: EndpointTraffic = { traffic: { blue: 100 }, mirrorTraffic: {} };

// A random endpoint whose current traffic is valid: Succeeded deployments share 100 (or nothing serves).
const names = ['a', 'b', 'c', 'd', 'e'];
const stateArb = fc.constantFrom('Succeeded', 'Succeeded', 'Failed', 'Creating', 'Updating');
const scenario = fc
  .record({
    states: fc.dictionary(fc.constantFrom(...names), stateArb, { minKeys: 1 }),
    weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
    serving: fc.boolean(),
    mirror: fc.integer({ min: 0, max: MAX_MIRROR_PERCENT }),
  })
  .map(({ states: s, weights, serving, mirror }) => {
    const succeeded = Object.keys(s).filter((n) => s[n] === 'Succeeded').sort();
    const w = Object.fromEntries(succeeded.map((n, i) => [n, weights[i]! + 1]));
    const traffic = serving && succeeded.length > 0 ? apportion(w, 100) : {};
    const idle = succeeded.filter((n) => (traffic[n] ?? 0) === 0);
    const mirrorTraffic = idle.length > 0 && total(traffic) === 100 && mirror > 0 ? { [idle[0]!]: mirror } : {};
    return { states: s as DeploymentStates, current: { traffic, mirrorTraffic } as EndpointTraffic };
  });
const stepsArb = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 4 }).map((xs) => [...xs.sort((a, b) => a - b), 100]);

describe('trafficProblems', () => {
  it.each([
    [{ blue: 100 }, []],
    [{}, []],
    [{ blue: 0, green: 0 }, []],
    [{ blue: 60, green: 40 }, []],
    [{ blue: 60, green: 30 }, ['adds up to 90']],
    [{ blue: 50.5, green: 49.5 }, ['whole percentage', 'whole percentage']],
    [{ blue: 90, red: 10 }, ['provisioningState is Failed']],
    [{ blue: 90, gone: 10 }, ['does not exist']],
    [{ grey: 100 }, ['provisioningState is Creating']],
  ])('%j', (map, expected) => {
    const problems = trafficProblems(map, states);
    expect(problems).toHaveLength(expected.length);
    expected.forEach((text, i) => expect(problems[i]).toContain(text));
  });

  it('limits mirror traffic to 50 % in total and refuses live + mirror on one deployment', () => {
    expect(trafficProblems({ green: 51 }, states, 'mirror')[0]).toContain('from 0 to 50');
    expect(trafficProblems({ green: 30, blue: 30 }, states, 'mirror')[0]).toContain('at most 50');
    expect(endpointTrafficProblems({ traffic: { blue: 100 }, mirrorTraffic: { blue: 10 } }, states)[0]).toContain('both live and mirror');
  });
});

describe('planDeployTraffic', () => {
  it('keeps live traffic exactly as it was and the new deployment at 0 %', () => {
    expect(value(planDeployTraffic(blueLive, 'green', states))).toEqual({ traffic: { blue: 100 }, mirrorTraffic: {} });
    expect(value(planDeployTraffic({ traffic: {}, mirrorTraffic: {} }, 'green', states))).toEqual({ traffic: {}, mirrorTraffic: {} });
  });

  it('mirrors to a Succeeded new deployment within the limit', () => {
    expect(value(planDeployTraffic(blueLive, 'green', states, 20)).mirrorTraffic).toEqual({ green: 20 });
    expect(reason(planDeployTraffic(blueLive, 'green', states, 51))).toContain('limit of 50%');
    expect(reason(planDeployTraffic({ traffic: { blue: 100 }, mirrorTraffic: { a: 40 } }, 'green', { ...states, a: 'Succeeded' }, 20))).toContain('40% already mirrored');
    expect(reason(planDeployTraffic(blueLive, 'grey', states, 10))).toContain('only a Succeeded deployment');
    expect(reason(planDeployTraffic({ traffic: {}, mirrorTraffic: {} }, 'green', states, 10))).toContain('the endpoint has none');
  });

  it('refuses when the deployment already serves live traffic', () => {
    expect(reason(planDeployTraffic(blueLive, 'blue', states))).toContain('use promote');
  });

  it('property: live traffic never changes and the result is valid', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(...names), fc.integer({ min: 0, max: 60 }), ({ states: s, current }, deployment, mirror) => {
        const planned = planDeployTraffic(current, deployment, s, mirror);
        if (!planned.ok) return;
        expect(planned.value.traffic).toEqual(current.traffic);
        expect(planned.value.traffic[deployment] ?? 0).toBe(0);
        expect(endpointTrafficProblems(planned.value, s)).toEqual([]);
      }),
    );
  });
});

describe('parseTrafficSteps', () => {
  it.each([
    ['', [100]],
    ['100', [100]],
    ['10,50,100', [10, 50, 100]],
    [' 25 , 100 ', [25, 100]],
  ])('%j -> %j', (text, steps) => expect(value(parseTrafficSteps(text))).toEqual(steps));

  it.each([
    ['10,50', 'must end at 100'],
    ['50,10,100', 'increase strictly'],
    ['10,10,100', 'increase strictly'],
    ['0,100', 'outside 1..100'],
    ['10,half,100', "'half' is not a whole percentage"],
    ['10.5,100', 'not a whole percentage'],
  ])('%j is refused: %s', (text, message) => expect(reason(parseTrafficSteps(text))).toContain(message));
});

describe('apportion', () => {
  it('splits in whole numbers that sum exactly', () => {
    expect(apportion({ a: 1, b: 1, c: 1 }, 100)).toEqual({ a: 34, b: 33, c: 33 });
    expect(apportion({ a: 70, b: 30 }, 50)).toEqual({ a: 35, b: 15 });
    expect(apportion({}, 100)).toEqual({});
  });

  it('property: the parts sum to the total', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...names), fc.integer({ min: 1, max: 100 }), { minKeys: 1 }), fc.integer({ min: 0, max: 100 }), (weights, t) => {
        expect(total(apportion(weights, t))).toBe(t);
      }),
    );
  });
});

describe('planPromotion', () => {
  it('all at once', () => {
    expect(value(planPromotion(blueLive, 'green', [100], states)).steps).toEqual([{ traffic: { blue: 0, green: 100 }, mirrorTraffic: {} }]);
  });

  it('in steps, the others keeping their proportions of the rest', () => {
    const plan = value(planPromotion({ traffic: { blue: 75, a: 25 }, mirrorTraffic: { green: 10 } }, 'green', [10, 50, 100], { ...states, a: 'Succeeded' }));
    expect(plan.steps.map((s) => s.traffic)).toEqual([
      { blue: 67, a: 23, green: 10 },
      { blue: 37, a: 13, green: 50 },
      { blue: 0, a: 0, green: 100 },
    ]);
    // The target stops being mirrored: Azure refuses live + mirror on one deployment.
    expect(plan.steps.every((s) => Object.keys(s.mirrorTraffic).length === 0)).toBe(true);
  });

  it('goes all at once when nothing else serves, and says so', () => {
    const plan = value(planPromotion({ traffic: {}, mirrorTraffic: {} }, 'green', [10, 50, 100], states));
    expect(plan.steps.map((s) => s.traffic)).toEqual([{ green: 100 }]);
    expect(plan.notes[0]).toContain('100% at once');
  });

  it('skips steps already reached', () => {
    const plan = value(planPromotion({ traffic: { blue: 40, green: 60 }, mirrorTraffic: {} }, 'green', [10, 50, 100], states));
    expect(plan.steps.map((s) => s.traffic)).toEqual([{ blue: 0, green: 100 }]);
    expect(plan.notes[0]).toContain('steps 10,50 are skipped');
  });

  it.each([
    ['red', 'Failed'],
    ['grey', 'Creating'],
    ['gone', 'does not exist'],
  ])('refuses to send traffic to %s', (target, message) => {
    expect(reason(planPromotion(blueLive, target, [100], states))).toContain(message);
  });

  it('drops a deployment deleted since the traffic was read', () => {
    const plan = value(planPromotion({ traffic: { blue: 50, a: 50 }, mirrorTraffic: {} }, 'green', [10, 100], states));
    expect(plan.steps.map((s) => s.traffic)).toEqual([{ blue: 90, green: 10 }, { blue: 0, green: 100 }]);
  });

  it('property: every step is valid, the target rises to 100, and only Succeeded deployments serve', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(...names), stepsArb, ({ states: s, current }, target, steps) => {
        const planned = planPromotion(current, target, steps, s);
        if (s[target] !== 'Succeeded') {
          expect(planned.ok).toBe(false);
          return;
        }
        const plan = value(planned);
        expect(plan.steps.length).toBeGreaterThan(0);
        let last = -1;
        for (const step of plan.steps) {
          expect(endpointTrafficProblems(step, s)).toEqual([]);
          expect(total(step.traffic)).toBe(100);
          expect(step.traffic[target]!).toBeGreaterThan(last);
          last = step.traffic[target]!;
        }
        expect(plan.steps.at(-1)!.traffic[target]).toBe(100);
      }),
    );
  });
});

describe('planRollback', () => {
  const afterPromote: EndpointTraffic = { traffic: { blue: 0, green: 100 }, mirrorTraffic: {} };

  it('restores a captured map and zeroes the rest', () => {
    expect(value(planRollback(afterPromote, { blue: 100 }, states))).toEqual({ traffic: { blue: 100, green: 0 }, mirrorTraffic: {} });
    expect(value(planRollbackTo(afterPromote, 'blue', states)).traffic).toEqual({ blue: 100, green: 0 });
    expect(value(planRollback(afterPromote, {}, states)).traffic).toEqual({ blue: 0, green: 0 });
  });

  it('refuses to restore traffic to a deployment that is gone or not Succeeded', () => {
    expect(reason(planRollback(afterPromote, { old: 100 }, states))).toContain("'old', which does not exist");
    expect(reason(planRollback(afterPromote, { red: 100 }, states))).toContain('Failed');
    expect(reason(planRollback(afterPromote, { blue: 90 }, states))).toContain('adds up to 90');
  });

  it('property: restoring a map captured earlier gives back that map, valid', () => {
    fc.assert(
      fc.property(scenario, scenario, ({ states: s, current: before }, { current: now }) => {
        const planned = planRollback(now, before.traffic, s);
        const restored = value(planned);
        expect(sameTraffic(restored.traffic, before.traffic)).toBe(true);
        expect(endpointTrafficProblems(restored, s)).toEqual([]);
      }),
    );
  });
});

describe('the rest', () => {
  it('sameTraffic ignores zero entries and order', () => {
    expect(sameTraffic({ a: 0, b: 100 }, { b: 100 })).toBe(true);
    expect(sameTraffic({ a: 10, b: 90 }, { b: 90, a: 10 })).toBe(true);
    expect(sameTraffic({ a: 100 }, { b: 100 })).toBe(false);
    expect(formatTraffic({ b: 90, a: 10, c: 0 })).toBe('a 10%, b 90%');
    expect(formatTraffic({})).toBe('(no live traffic)');
  });

  it('parseTrafficMap', () => {
    expect(value(parseTrafficMap('{"blue":100,"green":0}'))).toEqual({ blue: 100, green: 0 });
    expect(reason(parseTrafficMap('blue=100'))).toContain('expected a JSON object');
    expect(reason(parseTrafficMap('[100]'))).toContain('JSON object');
    expect(reason(parseTrafficMap('{"blue":"100"}'))).toContain('whole percentage');
  });

  it('deploymentsToDelete keeps the serving ones and the newest idle ones', () => {
    const state: EndpointTraffic = { traffic: { v1: 0, v2: 0, v3: 0, v4: 100 }, mirrorTraffic: { v3: 10 } };
    expect(deploymentsToDelete(state, ['v1', 'v2', 'v3', 'v4'], ['v4'], 1)).toEqual(['v1']);
    expect(deploymentsToDelete(state, ['v1', 'v2', 'v3', 'v4'], ['v4'], 0)).toEqual(['v1', 'v2']);
  });

  it.each([
    ['phi3-chat-ft', '3', 'phi3-chat-ft-v3'],
    ['Phi3_Chat.FT', '12', 'phi3-chat-ft-v12'],
    ['3phi', '1', 'phi-v1'],
    ['', '1', 'model-v1'],
  ])('deploymentNameFor(%j, %j) = %j', (name, version, expected) => expect(deploymentNameFor(name, version)).toBe(expected));

  it('property: deployment names are valid for Azure and deterministic', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 20 }), (name, version) => {
        const result = deploymentNameFor(name, version);
        expect(result).toMatch(/^[a-z][a-z0-9-]{2,31}$/);
        expect(deploymentNameFor(name, version)).toBe(result);
      }),
    );
  });
});
