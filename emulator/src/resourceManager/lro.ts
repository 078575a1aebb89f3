// Long-running operations as Azure ML runs them: Azure-AsyncOperation and Location polls, failing or hanging by fault.

import type { Reply } from '../httpKit.js';
import type { Operation } from '../store.js';
import { isoNow } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

export interface LroPlan {
  resourceId: string;
  location: string;
  kind: Operation['kind'];
  durationMs: number;
  /** Applied when the operation succeeds (e.g. provisioningState Succeeded, scoringUri set). */
  onSucceeded: (at: number) => void;
  /** Applied when it fails (e.g. provisioningState Failed). */
  onFailed?: (at: number, error: { code: string; message: string }) => void;
  /** A failure the resource itself causes (not a fault rule), e.g. a deployment whose container crashes. */
  failWith?: { code: string; message: string };
  /** What a Location poll answers after success (update operations). */
  result?: () => unknown;
}

const defaultFailure = { code: 'InternalServerError', message: 'The operation failed: injected fault (lro: fail).' };

export function beginLro(ctx: ArmContext, plan: LroPlan): Operation {
  const { store } = ctx.core;
  const op = store.startOperation({
    resourceId: plan.resourceId,
    subscriptionId: ctx.core.options.subscriptionId,
    location: plan.location,
    kind: plan.kind,
    ...(plan.result ? { result: plan.result } : {}),
  });
  const fault = ctx.effects.lro;
  if (fault?.outcome === 'hang') return op;
  const failure = fault?.outcome === 'fail' ? (fault.error ?? defaultFailure) : plan.failWith;
  store.schedule(op.startTime + plan.durationMs, (at) => {
    op.endTime = at;
    if (failure) {
      op.status = 'Failed';
      op.error = failure;
      op.failureStatus = 400;
      plan.onFailed?.(at, failure);
    } else {
      op.status = 'Succeeded';
      plan.onSucceeded(at);
    }
  });
  return op;
}

function operationPath(ctx: ArmContext, op: Operation, kind: 'mfeOperationsStatus' | 'mfeOperationResults'): string {
  return `/subscriptions/${op.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${op.location}/${kind}/${op.id}`;
}

/**
 * Retry-After in whole seconds, as Azure sends it. A fractional setting (fast tests) rounds the header up and adds
 * retry-after-ms with the exact wait, which clients that know it (ours, the Azure SDKs) prefer.
 */
function retryAfterHeaders(seconds: number): Record<string, string> {
  if (!(seconds > 0)) return {};
  if (Number.isInteger(seconds)) return { 'Retry-After': String(seconds) };
  return { 'Retry-After': String(Math.ceil(seconds)), 'retry-after-ms': String(Math.max(1, Math.round(seconds * 1000))) };
}

function retryAfter(ctx: ArmContext): Record<string, string> {
  return retryAfterHeaders(ctx.core.options.timing.retryAfterSeconds);
}

/**
 * Headers of a create/update answer (201 or 200): where to poll, Azure ML's 30-minute timeout, and Retry-After (ARM's
 * async contract allows it on 201; without it a client waits its own first interval, seconds the emulator never needs).
 */
export function asyncOperationHeaders(ctx: ArmContext, op: Operation): Record<string, string> {
  return {
    'Azure-AsyncOperation': `${ctx.core.url}${operationPath(ctx, op, 'mfeOperationsStatus')}?api-version=${ctx.apiVersion}`,
    'x-ms-async-operation-timeout': 'PT30M',
    ...retryAfter(ctx),
  };
}

/** 202 + Location (+ Retry-After), for PATCH and DELETE. */
export function acceptedReply(ctx: ArmContext, op: Operation): Reply {
  return {
    status: 202,
    headers: { Location: `${ctx.core.url}${operationPath(ctx, op, 'mfeOperationResults')}?api-version=${ctx.apiVersion}`, ...retryAfter(ctx) },
  };
}

function operationStatusBody(ctx: ArmContext, op: Operation): Record<string, unknown> {
  return {
    id: operationPath(ctx, op, 'mfeOperationsStatus'),
    name: op.id,
    status: op.status,
    startTime: isoNow(op.startTime),
    ...(op.endTime !== undefined ? { endTime: isoNow(op.endTime) } : {}),
    ...(op.error ? { error: op.error } : {}),
  };
}

export const operationRoutes: ArmRouteSpec[] = [
  {
    method: 'GET',
    path: '/subscriptions/{sub}/providers/{namespace}/locations/{location}/mfeOperationsStatus/{operation}',
    family: 'other',
    handle: (ctx) => {
      const op = ctx.core.store.operation(ctx.params.operation!);
      if (!op) return { status: 404, body: { error: { code: 'NotFound', message: `Operation '${ctx.params.operation}' was not found.` } } };
      return { status: 200, body: operationStatusBody(ctx, op), headers: op.status === 'Updating' ? retryAfter(ctx) : {} };
    },
  },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/providers/{namespace}/locations/{location}/mfeOperationResults/{operation}',
    family: 'other',
    handle: (ctx) => {
      const op = ctx.core.store.operation(ctx.params.operation!);
      if (!op) return { status: 404, body: { error: { code: 'NotFound', message: `Operation '${ctx.params.operation}' was not found.` } } };
      if (op.status === 'Updating') return acceptedReply(ctx, op);
      if (op.status === 'Failed') return { status: op.failureStatus ?? 400, body: { error: op.error } };
      const result = op.kind === 'delete' ? undefined : op.result?.();
      return result === undefined ? { status: 204 } : { status: 200, body: result };
    },
  },
];
