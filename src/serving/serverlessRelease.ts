// target: serverless — create or update a serverless (models-as-a-service) endpoint for a model and wait until it serves.

import { UserFacingError } from '../github/runAction.js';
import { workspaceLocation } from './endpointAzure.js';
import type { ModelRef, ReleaseContext } from './release.js';
import { getServerlessEndpoint, putServerlessEndpoint, serverlessEndpointBody } from './serverlessAzure.js';

export interface ServerlessRequest {
  readonly endpoint: string;
  readonly model: ModelRef;
  readonly timeoutMs: number;
}

export interface ServerlessResult {
  readonly endpoint: string;
  /** The inference URI (OpenAI-compatible: POST <uri>/v1/chat/completions). */
  readonly scoringUri: string;
  readonly modelId: string;
  /** What happened: created, updated (a Failed endpoint re-sent), or unchanged (already Succeeded with this model). */
  readonly change: 'created' | 'updated' | 'unchanged';
}

const BUSY = ['Creating', 'Updating', 'Deleting'];

export async function deployServerless(ctx: ReleaseContext, request: ServerlessRequest): Promise<ServerlessResult> {
  const { endpoint } = request;
  const modelId = request.model.id;
  const existing = await getServerlessEndpoint(ctx.target, endpoint);
  if (existing && existing.modelId.toLowerCase() !== modelId.toLowerCase()) {
    throw new UserFacingError(`serverless endpoint '${endpoint}' serves ${existing.modelId}; Azure cannot change the model of a serverless endpoint, so choose another 'endpoint' name for ${request.model.name}:${request.model.version}.`);
  }
  if (existing && BUSY.includes(existing.provisioningState)) {
    throw new UserFacingError(`serverless endpoint '${endpoint}' is ${existing.provisioningState}; wait for it to finish and re-run.`);
  }
  if (existing && existing.provisioningState === 'Succeeded' && existing.inferenceUri) {
    ctx.log(`Serverless endpoint '${endpoint}' already serves ${request.model.name}:${request.model.version} (Succeeded); nothing to change.`);
    return { endpoint, scoringUri: existing.inferenceUri, modelId: existing.modelId, change: 'unchanged' };
  }
  const location = await workspaceLocation(ctx.target);
  ctx.log(`${existing ? 'Updating' : 'Creating'} serverless endpoint '${endpoint}' in ${location} for ${request.model.name}:${request.model.version} (key auth)`);
  const final = await putServerlessEndpoint(ctx.target, endpoint, serverlessEndpointBody(location, modelId), request.timeoutMs, (status) => ctx.log(`Serverless endpoint '${endpoint}': ${status}`));
  if (final.provisioningState !== 'Succeeded' || !final.inferenceUri) {
    throw new UserFacingError(`serverless endpoint '${endpoint}' ended ${final.provisioningState}${final.inferenceUri ? '' : ' without an inference URI'}.`);
  }
  return { endpoint, scoringUri: final.inferenceUri, modelId, change: existing ? 'updated' : 'created' };
}
