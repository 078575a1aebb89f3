// Pure decisions about an online endpoint's live and mirror traffic: every traffic change is planned here, never ad hoc.
import { createHash } from 'node:crypto';

/** Deployment name -> whole percentage, as in an endpoint's `properties.traffic` / `mirrorTraffic`. */
export type TrafficMap = Readonly<Record<string, number>>;

/** The traffic half of an endpoint, as read from Azure. */
export interface EndpointTraffic {
  readonly traffic: TrafficMap;
  readonly mirrorTraffic: TrafficMap;
}

/** Deployment name -> provisioningState, for the deployments that exist right now. */
export type DeploymentStates = Readonly<Record<string, string>>;

/** Azure refuses mirror traffic above 50 % in total. */
export const MAX_MIRROR_PERCENT = 50;

/** A planner answer: a plan, or the reason it refuses (the caller turns that into the action's failure). */
export type Planned<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const ok = <T>(value: T): Planned<T> => ({ ok: true, value });
const refuse = <T>(reason: string): Planned<T> => ({ ok: false, reason });

const sum = (map: TrafficMap) => Object.values(map).reduce((a, b) => a + b, 0);

/** Entries above 0, sorted by name: two maps mean the same traffic exactly when their live entries are equal. */
export function liveEntries(map: TrafficMap): [string, number][] {
  return Object.entries(map)
    .filter(([, percent]) => percent > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sameTraffic(a: TrafficMap, b: TrafficMap): boolean {
  return JSON.stringify(liveEntries(a)) === JSON.stringify(liveEntries(b));
}

export function formatTraffic(map: TrafficMap): string {
  const entries = liveEntries(map);
  return entries.length === 0 ? '(no live traffic)' : entries.map(([name, percent]) => `${name} ${percent}%`).join(', ');
}

/**
 * Every reason Azure (and our invariant) would refuse this map: whole percentages, a sum of 100 — or 0 when no
 * deployment serves — and traffic only to deployments that exist and are Succeeded.
 */
export function trafficProblems(map: TrafficMap, states: DeploymentStates, kind: 'live' | 'mirror' = 'live'): string[] {
  const problems: string[] = [];
  const limit = kind === 'mirror' ? MAX_MIRROR_PERCENT : 100;
  for (const [name, percent] of Object.entries(map)) {
    if (!Number.isInteger(percent) || percent < 0 || percent > limit) problems.push(`${kind} traffic to '${name}' must be a whole percentage from 0 to ${limit} (got ${percent}).`);
    else if (percent > 0 && states[name] === undefined) problems.push(`${kind} traffic names deployment '${name}', which does not exist.`);
    else if (percent > 0 && states[name] !== 'Succeeded') problems.push(`${kind} traffic gives ${percent}% to '${name}', whose provisioningState is ${states[name]}; only Succeeded deployments can receive traffic.`);
  }
  const total = sum(map);
  if (kind === 'live' && total !== 0 && total !== 100) problems.push(`live traffic must add up to 100 (or 0); it adds up to ${total}.`);
  if (kind === 'mirror' && total > MAX_MIRROR_PERCENT) problems.push(`mirror traffic must add up to at most ${MAX_MIRROR_PERCENT}; it adds up to ${total}.`);
  return problems;
}

/** Problems of a whole endpoint traffic state, including a deployment that gets both live and mirror traffic. */
export function endpointTrafficProblems(state: EndpointTraffic, states: DeploymentStates): string[] {
  const problems = [...trafficProblems(state.traffic, states, 'live'), ...trafficProblems(state.mirrorTraffic, states, 'mirror')];
  for (const [name, percent] of Object.entries(state.mirrorTraffic)) {
    if (percent > 0 && (state.traffic[name] ?? 0) > 0) problems.push(`deployment '${name}' cannot receive both live and mirror traffic.`);
  }
  return problems;
}

/**
 * Deploy: the new deployment joins at 0 % live traffic; live traffic stays exactly as it was. With `mirrorPercent`,
 * the new deployment (once Succeeded) shadows that share of requests, within Azure's limit.
 */
export function planDeployTraffic(current: EndpointTraffic, deployment: string, states: DeploymentStates, mirrorPercent = 0): Planned<EndpointTraffic> {
  if ((current.traffic[deployment] ?? 0) > 0) return refuse(`deployment '${deployment}' already serves ${current.traffic[deployment]}% of live traffic; deploy never changes live traffic — use promote.`);
  const otherMirror = sum(Object.fromEntries(Object.entries(current.mirrorTraffic).filter(([name]) => name !== deployment)));
  if (!Number.isInteger(mirrorPercent) || mirrorPercent < 0) return refuse(`mirror-percent must be a whole number >= 0 (got ${mirrorPercent}).`);
  if (otherMirror + mirrorPercent > MAX_MIRROR_PERCENT) {
    return refuse(`mirror-percent ${mirrorPercent} plus the ${otherMirror}% already mirrored would exceed Azure's limit of ${MAX_MIRROR_PERCENT}%.`);
  }
  if (mirrorPercent > 0 && states[deployment] !== 'Succeeded') return refuse(`deployment '${deployment}' is ${states[deployment] ?? 'missing'}; only a Succeeded deployment can receive mirror traffic.`);
  if (mirrorPercent > 0 && sum(current.traffic) === 0) return refuse('mirror traffic needs live traffic to copy; the endpoint has none.');
  const mirrorTraffic = { ...current.mirrorTraffic };
  if (mirrorPercent > 0) mirrorTraffic[deployment] = mirrorPercent;
  else delete mirrorTraffic[deployment];
  return ok({ traffic: { ...current.traffic }, mirrorTraffic });
}

/** "10,50,100" -> [10, 50, 100]: strictly increasing whole percentages ending at 100. Empty means all at once. */
export function parseTrafficSteps(text: string): Planned<number[]> {
  const trimmed = text.trim();
  if (trimmed === '') return ok([100]);
  const steps = trimmed.split(',').map((part) => part.trim());
  const numbers: number[] = [];
  for (const step of steps) {
    if (!/^\d+$/.test(step)) return refuse(`traffic-steps: '${step}' is not a whole percentage (expected e.g. 10,50,100).`);
    const value = Number(step);
    if (value < 1 || value > 100) return refuse(`traffic-steps: ${value} is outside 1..100.`);
    if (numbers.length > 0 && value <= numbers[numbers.length - 1]!) return refuse(`traffic-steps must increase strictly (got ${trimmed}).`);
    numbers.push(value);
  }
  if (numbers[numbers.length - 1] !== 100) return refuse(`traffic-steps must end at 100 (got ${trimmed}).`);
  return ok(numbers);
}

/**
 * Splits `total` among `weights` proportionally in whole numbers (largest remainder, ties by name), so the result
 * sums to `total` exactly.
 */
export function apportion(weights: TrafficMap, total: number): Record<string, number> {
  const entries = liveEntries(weights);
  const weightSum = entries.reduce((a, [, w]) => a + w, 0);
  if (entries.length === 0 || weightSum === 0) return {};
  const exact = entries.map(([name, w]) => ({ name, exact: (w * total) / weightSum }));
  const result: Record<string, number> = Object.fromEntries(exact.map(({ name, exact: e }) => [name, Math.floor(e)]));
  let left = total - Object.values(result).reduce((a, b) => a + b, 0);
  const byRemainder = [...exact].sort((a, b) => b.exact - Math.floor(b.exact) - (a.exact - Math.floor(a.exact)) || (a.name < b.name ? -1 : 1));
  for (const { name } of byRemainder) {
    if (left <= 0) break;
    result[name]! += 1;
    left -= 1;
  }
  return result;
}

/**
 * Promote: one endpoint traffic state per step, the target at the step's share and the others keeping their
 * proportions of the rest. Partial steps need another Succeeded deployment serving; without one the promotion is
 * all at once (said in `notes`). The target stops being mirrored (Azure refuses live + mirror on one deployment).
 */
export function planPromotion(current: EndpointTraffic, target: string, steps: readonly number[], states: DeploymentStates): Planned<{ steps: EndpointTraffic[]; notes: string[] }> {
  if (states[target] === undefined) return refuse(`deployment '${target}' does not exist on the endpoint.`);
  if (states[target] !== 'Succeeded') return refuse(`deployment '${target}' is ${states[target]}; only a Succeeded deployment can receive live traffic.`);
  const parsed = parseTrafficSteps(steps.join(','));
  if (!parsed.ok) return parsed;
  const others: Record<string, number> = {};
  for (const [name, percent] of liveEntries(current.traffic)) if (name !== target && states[name] === 'Succeeded') others[name] = percent;
  const notes: string[] = [];
  let wanted = parsed.value;
  if (Object.keys(others).length === 0 && wanted.length > 1) {
    notes.push(`no other Succeeded deployment serves live traffic, so '${target}' gets 100% at once instead of in steps ${wanted.join(',')}.`);
    wanted = [100];
  }
  const currentShare = current.traffic[target] ?? 0;
  const skipped = wanted.filter((step) => step <= currentShare && step < 100);
  if (skipped.length > 0) notes.push(`'${target}' already has ${currentShare}%, so steps ${skipped.join(',')} are skipped.`);
  wanted = wanted.filter((step) => step > currentShare || step === 100);
  const mirrorTraffic = Object.fromEntries(Object.entries(current.mirrorTraffic).filter(([name]) => name !== target && states[name] === 'Succeeded'));
  const zeroed = Object.fromEntries(Object.keys(current.traffic).filter((name) => states[name] !== undefined).map((name) => [name, 0]));
  const planned = wanted.map((step) => ({
    traffic: { ...zeroed, ...apportion(others, 100 - step), [target]: step },
    mirrorTraffic: { ...mirrorTraffic },
  }));
  return ok({ steps: planned, notes });
}

/**
 * Rollback to a captured live traffic map. Deployments missing from it get 0 %; a captured deployment that is gone
 * or not Succeeded makes the rollback refuse rather than send traffic to it. Mirror traffic to a deployment that
 * gets live traffic back is dropped.
 */
export function planRollback(current: EndpointTraffic, previous: TrafficMap, states: DeploymentStates): Planned<EndpointTraffic> {
  const problems = trafficProblems(previous, states, 'live');
  if (problems.length > 0) return refuse(`cannot restore ${formatTraffic(previous)}: ${problems.join(' ')}`);
  const zeroed = Object.fromEntries(Object.keys(current.traffic).filter((name) => states[name] !== undefined).map((name) => [name, 0]));
  const traffic = { ...zeroed, ...Object.fromEntries(liveEntries(previous)) };
  const mirrorTraffic = Object.fromEntries(Object.entries(current.mirrorTraffic).filter(([name]) => (traffic[name] ?? 0) === 0 && states[name] === 'Succeeded'));
  return ok({ traffic, mirrorTraffic });
}

/** Rollback without a captured map: 100 % back to one named deployment. */
export function planRollbackTo(current: EndpointTraffic, deployment: string, states: DeploymentStates): Planned<EndpointTraffic> {
  return planRollback(current, { [deployment]: 100 }, states);
}

/** Deployments at 0 % live and mirror traffic, other than `keep`, oldest first by the given order; the newest `keepPrevious` are kept. */
export function deploymentsToDelete(state: EndpointTraffic, namesOldestFirst: readonly string[], keep: readonly string[], keepPrevious: number): string[] {
  const idle = namesOldestFirst.filter((name) => !keep.includes(name) && (state.traffic[name] ?? 0) === 0 && (state.mirrorTraffic[name] ?? 0) === 0);
  return idle.slice(0, Math.max(0, idle.length - Math.max(0, keepPrevious)));
}

/** A deployment as the clean-up needs it: name, state and when it was created (systemData.createdAt, ISO 8601). */
export interface DeploymentAge {
  readonly name: string;
  readonly provisioningState: string;
  readonly createdAt?: string;
}

/**
 * Oldest first: by systemData.createdAt, then by name (deterministic when Azure gives equal or no timestamps; those
 * without a timestamp count as oldest, as they predate anything this toolkit created).
 */
export function oldestFirst(deployments: readonly DeploymentAge[]): string[] {
  const time = (d: DeploymentAge) => {
    const t = d.createdAt ? Date.parse(d.createdAt) : Number.NaN;
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  return [...deployments].sort((a, b) => time(a) - time(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((d) => d.name);
}

/**
 * After a verified promotion (delete-old): the deployments to delete. Only settled deployments (Succeeded, Failed,
 * Canceled) at 0 % live and 0 % mirror traffic, never `promoted`. The `keepPrevious` idle Succeeded ones kept as
 * rollback targets are, first, those that served live traffic before the promotion (`servedBefore`, the map a
 * rollback step restores), then the most recently created. Idle Failed / Canceled ones cannot be rolled back to and
 * go. A deployment still being created or updated (another run's) is never touched. The result is oldest first.
 */
export function planCleanup(state: EndpointTraffic, deployments: readonly DeploymentAge[], promoted: string, keepPrevious: number, servedBefore: TrafficMap = {}): string[] {
  const succeeded = oldestFirst(deployments.filter((d) => d.provisioningState === 'Succeeded'));
  const served = (name: string) => (servedBefore[name] ?? 0) > 0;
  const keepLast = [...succeeded.filter((name) => !served(name)), ...succeeded.filter(served)];
  const broken = deployments.filter((d) => d.provisioningState === 'Failed' || d.provisioningState === 'Canceled');
  const idleSucceeded = deploymentsToDelete(state, keepLast, [promoted], keepPrevious);
  const idleBroken = deploymentsToDelete(state, oldestFirst(broken), [promoted], 0);
  const chosen = new Set([...idleSucceeded, ...idleBroken]);
  return oldestFirst(deployments).filter((name) => chosen.has(name));
}

/** Parses a traffic map from JSON (e.g. an earlier step's `previous-traffic` output). */
export function parseTrafficMap(text: string): Planned<Record<string, number>> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse(`expected a JSON object like {"blue": 100} (got ${JSON.stringify(text.slice(0, 80))}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return refuse('expected a JSON object of deployment name -> percentage.');
  const result: Record<string, number> = {};
  for (const [name, percent] of Object.entries(value)) {
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > 100) return refuse(`'${name}' must map to a whole percentage from 0 to 100 (got ${JSON.stringify(percent)}).`);
    result[name] = percent;
  }
  return ok(result);
}

/**
 * The deployment name for a model version: Azure allows 3-32 characters, a letter first, then letters, digits and
 * hyphens. Same model version -> same name, so a re-run finds the deployment instead of creating another.
 */
export function deploymentNameFor(modelName: string, modelVersion: string): string {
  const clean = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const version = clean(modelVersion) || '0';
  let base = clean(modelName).replace(/^[^a-z]+/, '') || 'model';
  const full = `${base}-v${version}`;
  if (full.length <= 32) return full.length >= 3 ? full : `${full}-d`;
  const hash = createHash('sha256').update(`${modelName}\u0000${modelVersion}`).digest('hex').slice(0, 6);
  base = base.slice(0, Math.max(1, 32 - hash.length - 1 - Math.min(version.length, 10) - 2)).replace(/-+$/, '');
  return `${base}-v${version.slice(0, 10).replace(/-+$/, '')}-${hash}`.slice(0, 32);
}
