// Scoring: managed online endpoints (keys, header targeting, weighted routing) and serverless chat completions.

import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { allowedAudiences } from './resourceManager/armRouter.js';
import { bearerToken, header, type IncomingCall, type Reply } from './httpKit.js';
import type { FaultEffects } from './faults.js';
import { isChatMessageList, lastUserText, limitTokens, signedAnswer, type ChatMessage } from './chatReply.js';
import { modelLabel } from './resourceManager/onlineDeployments.js';
import type { StoredResource } from './store.js';
import { audiences, decodeJwt, hasValidSignature, nowSeconds } from './tokens.js';
import { MirrorSchedule, WeightedRoundRobin } from './trafficRouting.js';

const noRoute =
  'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.';

interface EndpointRouting {
  key: string;
  live: WeightedRoundRobin;
  mirror: MirrorSchedule;
}

/** Routing state survives requests but restarts whenever the traffic maps change. */
function routingOf(endpoint: StoredResource): EndpointRouting {
  const traffic = (endpoint.body.properties.traffic ?? {}) as Record<string, number>;
  const mirror = (endpoint.body.properties.mirrorTraffic ?? {}) as Record<string, number>;
  const key = JSON.stringify([traffic, mirror]);
  let routing = endpoint.runtime.routing as EndpointRouting | undefined;
  if (!routing || routing.key !== key) {
    routing = { key, live: new WeightedRoundRobin(traffic), mirror: new MirrorSchedule(mirror) };
    endpoint.runtime.routing = routing;
  }
  return routing;
}

const message = (status: number, text: string, headers?: Record<string, string>): Reply => ({ status, body: { message: text }, ...(headers ? { headers } : {}) });

function keyAccepted(core: EmulatorCore, call: IncomingCall, resource: StoredResource): boolean {
  const given = bearerToken(call) ?? header(call, 'api-key');
  if (resource.body.properties.authMode === 'AADToken') {
    const token = bearerToken(call);
    const decoded = token ? decodeJwt(token) : undefined;
    return (
      !!token &&
      !!decoded &&
      hasValidSignature(token, core.entraKey) &&
      typeof decoded.claims.exp === 'number' &&
      decoded.claims.exp > nowSeconds() &&
      audiences(decoded.claims).some((a) => allowedAudiences(core, true).includes(a))
    );
  }
  return !!given && (given === resource.secrets.primaryKey || given === resource.secrets.secondaryKey);
}

async function pause(ms: number): Promise<void> {
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

export async function handleScoring(core: EmulatorCore, call: IncomingCall, effects: FaultEffects): Promise<Reply | undefined> {
  const managed = /^\/inference\/([^/]+)\/([^/]+)\/(score|swagger\.json)$/i.exec(call.path);
  if (managed) return scoreManaged(core, call, effects, managed[1]!.toLowerCase(), managed[2]!, managed[3]!.toLowerCase());
  const serverless = /^\/serverless\/([^/]+)\/([^/]+)\/(?:v1\/)?chat\/completions$/i.exec(call.path);
  if (serverless) return chatCompletions(core, call, effects, serverless[1]!.toLowerCase(), serverless[2]!);
  return undefined;
}

async function scoreManaged(core: EmulatorCore, call: IncomingCall, effects: FaultEffects, location: string, name: string, what: string): Promise<Reply> {
  const endpoint = core.store
    .all('Microsoft.MachineLearningServices/workspaces/onlineEndpoints')
    .find((e) => e.name.toLowerCase() === name.toLowerCase() && e.body.location === location && e.body.properties.scoringUri);
  if (!endpoint || endpoint.body.properties.provisioningState === 'Deleting') return message(404, `Endpoint '${name}' was not found in ${location}.`);
  if (!keyAccepted(core, call, endpoint)) return message(401, 'Unauthorized: the key (Authorization: Bearer <key>) is missing or wrong.');
  if (what === 'swagger.json') return { status: 200, body: { swagger: '2.0', info: { title: name, version: '1.0' }, paths: { '/score': { post: {} } } } };
  if (call.method !== 'POST') return message(405, 'Use POST to score.');

  const deployments = core.store.children(endpoint.id, 'deployments');
  const targeted = header(call, 'azureml-model-deployment');
  let chosen: StoredResource | undefined;
  if (targeted) {
    chosen = deployments.find((d) => d.name.toLowerCase() === targeted.toLowerCase());
    if (!chosen) return message(404, `Deployment '${targeted}' does not exist on endpoint '${endpoint.name}'. ${noRoute}`);
  } else {
    const routing = routingOf(endpoint);
    const next = routing.live.next();
    chosen = next ? deployments.find((d) => d.name === next) : undefined;
    if (!chosen) return message(404, noRoute);
    for (const mirrored of routing.mirror.next()) {
      const key = `${endpoint.name}/${mirrored}`;
      core.scoring.mirrored[key] = (core.scoring.mirrored[key] ?? 0) + 1;
    }
  }
  const state = String(chosen.body.properties.provisioningState);
  if (state === 'Failed') return message(424, `Deployment '${chosen.name}' is in state Failed and cannot serve requests.`, { 'ms-azureml-model-error-statuscode': '503', 'ms-azureml-model-error-reason': 'model_error' });
  if (state !== 'Succeeded' && state !== 'Updating') return message(503, `Deployment '${chosen.name}' is not ready (provisioningState ${state}).`, { 'Retry-After': '1' });

  const body = (typeof call.body === 'object' && call.body !== null ? call.body : {}) as Record<string, unknown>;
  const inputData = body.input_data as Record<string, unknown> | undefined;
  const input = inputData?.input_string;
  const parameters = (inputData?.parameters ?? {}) as Record<string, unknown>;
  const modelError = (text: string) => message(424, text, { 'ms-azureml-model-error-statuscode': '400', 'ms-azureml-model-error-reason': 'model_error' });
  const replyHeaders = { 'azureml-model-deployment': chosen.name, 'x-ms-run-function-failed': 'False', 'x-request-id': randomUUID() };
  const key = `${endpoint.name}/${chosen.name}`;
  const who = `deployment ${chosen.name}, model ${modelLabel(String(chosen.body.properties.model))}`;
  const answer = (prompt: string) => (effects.reply ? effects.reply.output : limitTokens(signedAnswer(prompt, who), parameters.max_new_tokens));

  let reply: Reply;
  if (isChatMessageList(input)) {
    reply = { status: 200, headers: replyHeaders, body: { output: answer(lastUserText(input)) } };
  } else if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string')) {
    reply = { status: 200, headers: replyHeaders, body: input.map((prompt) => ({ '0': answer(prompt) })) };
  } else {
    return modelError('Expected {"input_data": {"input_string": [{"role": "user", "content": "..."}], "parameters": {...}}}: input_data.input_string must be a list of chat messages (or of strings).');
  }
  core.scoring.served[key] = (core.scoring.served[key] ?? 0) + 1;
  await pause(core.options.timing.scoringLatencyMs);
  return reply;
}

async function chatCompletions(core: EmulatorCore, call: IncomingCall, effects: FaultEffects, location: string, name: string): Promise<Reply> {
  const endpoint = core.store
    .all('Microsoft.MachineLearningServices/workspaces/serverlessEndpoints')
    .find((e) => e.name.toLowerCase() === name.toLowerCase() && e.body.location === location && e.body.properties.inferenceEndpoint);
  const openAiError = (status: number, text: string, type: string, param: string | null = null): Reply => ({ status, body: { error: { message: text, type, param, code: null } } });
  if (!endpoint) return openAiError(404, `Serverless endpoint '${name}' was not found in ${location}.`, 'not_found');
  if (!keyAccepted(core, call, endpoint)) return openAiError(401, 'Access denied due to invalid subscription key or wrong API endpoint.', 'authentication_error');
  if (call.method !== 'POST') return openAiError(405, 'Use POST.', 'invalid_request_error');
  const body = (typeof call.body === 'object' && call.body !== null ? call.body : {}) as Record<string, unknown>;
  const messages = body.messages;
  if (!isChatMessageList(messages)) return openAiError(400, "'messages' is required: a non-empty list of {role, content}.", 'invalid_request_error', 'messages');
  const model = modelLabel(String(endpoint.body.properties.modelSettings.modelId));
  const prompt = lastUserText(messages as ChatMessage[]);
  const content = effects.reply ? effects.reply.output : limitTokens(signedAnswer(prompt, `serverless ${endpoint.name}, model ${model}`), body.max_tokens);
  const promptTokens = (messages as ChatMessage[]).reduce((n, m) => n + String(m.content).split(/\s+/).length, 0);
  const completionTokens = content === '' ? 0 : content.split(/\s+/).length;
  const key = `${endpoint.name}`;
  core.scoring.served[key] = (core.scoring.served[key] ?? 0) + 1;
  await pause(core.options.timing.scoringLatencyMs);
  return {
    status: 200,
    headers: { 'x-request-id': randomUUID() },
    body: {
      id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
      object: 'chat.completion',
      created: nowSeconds(),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    },
  };
}
