// Sends chat cases to an endpoint (or one deployment of it) and judges the replies; the key is fetched with listKeys and masked before anything is logged.

import { createHttpHeaders, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline';
import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { sendJson } from '../azure/armPipeline.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { armUrl, onlineEndpointId } from '../azure/resourceIds.js';
import type { Clock } from '../clock.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { UserFacingError } from '../github/runAction.js';
import { cell, table } from '../report/markdown.js';
import type { ServingTarget } from '../serving/endpointAzure.js';
import { getServerlessEndpoint, serverlessPrimaryKey } from '../serving/serverlessAzure.js';
import { missedExpectations, percentile, readReply, requestFor, resolveFormat, RETRYABLE_STATUSES, retryDelayMs, type SmokeCase } from './chatScoring.js';
import { maskKnownSecrets, safeServiceText } from './serviceText.js';
import type { SmokeTestInputs } from './smokeTestInputs.js';

export interface SmokeTestOptions extends SessionOptions {
  readonly clock: Clock;
}

export interface CaseResult {
  readonly prompt: string;
  readonly reply: string;
  readonly latencyMs: number;
  readonly problems: string[];
}

export interface SmokeTestResult {
  readonly passed: boolean;
  readonly results: CaseResult[];
  readonly p50: number;
  readonly max: number;
}

interface Target {
  readonly scoringUri: string;
  readonly key: string;
  readonly httpClient: HttpClient;
  /** Every value registered with setSecret: masked in whatever the service's answers are quoted in. */
  readonly secrets: readonly string[];
}

async function resolveTarget(inputs: SmokeTestInputs, options: SmokeTestOptions, reporter: ActionReporter): Promise<Target> {
  if (inputs.scoringUri !== undefined) {
    reporter.setSecret(inputs.apiKey!);
    const { createDefaultHttpClient } = await import('@azure/core-rest-pipeline');
    return { scoringUri: inputs.scoringUri, key: inputs.apiKey!, httpClient: options.httpClient ?? createDefaultHttpClient(), secrets: [inputs.apiKey!] };
  }
  const session = await connectAzure(inputs.signIn!, { ...options, log: options.log ?? ((m) => reporter.info(m)) });
  const ref = { subscriptionId: inputs.signIn!.subscriptionId, resourceGroup: inputs.signIn!.resourceGroup, workspace: inputs.signIn!.workspace };
  const versions = resolveApiVersions(options.env, options.apiVersions);
  if (inputs.target === 'serverless') {
    const serving: ServingTarget = { transport: session.transport, resourceManager: session.cloud.resourceManager, ref, apiVersions: versions };
    const endpoint = await getServerlessEndpoint(serving, inputs.endpoint!);
    if (!endpoint) throw new UserFacingError(`serverless endpoint '${inputs.endpoint}' does not exist in workspace '${ref.workspace}' (deploy it with the deploy action's target: serverless)`);
    if (!endpoint.inferenceUri) throw new UserFacingError(`serverless endpoint '${inputs.endpoint}' has no inference URI yet (it is ${endpoint.provisioningState})`);
    const key = await serverlessPrimaryKey(serving, inputs.endpoint!);
    reporter.setSecret(key);
    return { scoringUri: endpoint.inferenceUri, key, httpClient: session.httpClient, secrets: [key] };
  }
  const id = onlineEndpointId(ref, inputs.endpoint!);
  const endpoint = await sendJson(session.transport, { method: 'GET', url: armUrl(session.cloud.resourceManager, id, versions.mlEndpoints), operation: `read online endpoint '${inputs.endpoint}'` });
  const scoringUri = (endpoint.body as { properties?: { scoringUri?: string } }).properties?.scoringUri;
  if (!scoringUri) throw new UserFacingError(`online endpoint '${inputs.endpoint}' has no scoring URI yet (is it still being created?)`);
  const keys = await sendJson(session.transport, { method: 'POST', url: armUrl(session.cloud.resourceManager, `${id}/listKeys`, versions.mlEndpoints), operation: `read the keys of endpoint '${inputs.endpoint}'` });
  const { primaryKey, secondaryKey } = keys.body as { primaryKey?: string; secondaryKey?: string };
  const secrets = [primaryKey, secondaryKey].filter((key): key is string => !!key);
  for (const key of secrets) reporter.setSecret(key);
  if (!primaryKey) throw new UserFacingError(`endpoint '${inputs.endpoint}' returned no key (is its auth mode Key?)`);
  return { scoringUri, key: primaryKey, httpClient: session.httpClient, secrets };
}

/** Seconds to wait from retry-after-ms (preferred, exact) or Retry-After in seconds; undefined when neither is a number. */
function retryAfterFrom(milliseconds: string | undefined, seconds: string | undefined): number | undefined {
  if (milliseconds !== undefined && /^\d+(\.\d+)?$/.test(milliseconds.trim())) return Number(milliseconds) / 1000;
  if (seconds !== undefined && /^\d+(\.\d+)?$/.test(seconds.trim())) return Number(seconds);
  return undefined;
}

const promptOf = (c: SmokeCase) => [...c.messages].reverse().find((m) => m.role === 'user')?.content ?? c.messages.at(-1)!.content;

export async function runSmokeTest(inputs: SmokeTestInputs, options: SmokeTestOptions, reporter: ActionReporter): Promise<SmokeTestResult> {
  const clock = options.clock;
  const deadline = clock.now() + inputs.timeoutSeconds * 1000;
  const target = await resolveTarget(inputs, options, reporter);
  const format = resolveFormat(inputs.format, target.scoringUri);
  reporter.info(`Smoke-testing ${target.scoringUri}${inputs.deployment ? ` (deployment '${inputs.deployment}', bypassing live traffic)` : ''} as ${format}: ${inputs.cases.length} case(s) x ${inputs.requests} request(s)`);
  const results: CaseResult[] = [];
  for (const testCase of inputs.cases) {
    for (let n = 0; n < inputs.requests; n++) {
      const { url, body } = requestFor(format, target.scoringUri, testCase.messages, { temperature: inputs.temperature, maxNewTokens: inputs.maxNewTokens });
      let attempt = 0;
      let outcome: CaseResult | undefined;
      while (!outcome) {
        attempt += 1;
        const started = clock.now();
        const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${target.key}` };
        if (inputs.deployment) headers['azureml-model-deployment'] = inputs.deployment;
        let status: number;
        let text: string | undefined;
        let retryAfterSeconds: number | undefined;
        try {
          const response = await target.httpClient.sendRequest(createPipelineRequest({ url, method: 'POST', headers: createHttpHeaders(headers), body: JSON.stringify(body), timeout: Math.max(1000, deadline - clock.now()) }));
          status = response.status;
          text = response.bodyAsText ?? undefined;
          retryAfterSeconds = retryAfterFrom(response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms'), response.headers.get('retry-after'));
        } catch (error) {
          status = 0;
          text = error instanceof Error ? error.message : String(error);
        }
        const latencyMs = clock.now() - started;
        const retryable = status === 0 || RETRYABLE_STATUSES.includes(status);
        if (retryable) {
          const delay = retryDelayMs(attempt, retryAfterSeconds);
          if (clock.now() + delay < deadline) {
            reporter.info(`HTTP ${status || 'connection error'} (warming up?): retry ${attempt} in ${(delay / 1000).toFixed(1)} s`);
            await clock.sleep(delay);
            continue;
          }
        }
        if (status !== 200) {
          outcome = { prompt: promptOf(testCase), reply: '', latencyMs, problems: [`HTTP ${status || 'connection error'}: ${safeServiceText(text ?? '', target.secrets)}`] };
          break;
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(text ?? '');
        } catch {
          parsed = text;
        }
        const read = readReply(format, parsed, target.secrets);
        // A reply that echoes the key is still judged on its own text; only what is shown is masked.
        outcome = 'problem' in read
          ? { prompt: promptOf(testCase), reply: '', latencyMs, problems: [read.problem] }
          : { prompt: promptOf(testCase), reply: maskKnownSecrets(read.reply, target.secrets), latencyMs, problems: missedExpectations(testCase, read.reply, latencyMs) };
      }
      reporter.info(`${outcome.problems.length === 0 ? 'PASS' : 'FAIL'} ${JSON.stringify(outcome.prompt.slice(0, 80))} -> ${JSON.stringify(outcome.reply.slice(0, 200))} (${outcome.latencyMs} ms)${outcome.problems.length ? `: ${outcome.problems.join('; ')}` : ''}`);
      results.push(outcome);
    }
  }
  const latencies = results.map((r) => r.latencyMs);
  const passed = results.every((r) => r.problems.length === 0);
  const p50 = percentile(latencies, 50);
  const max = Math.max(0, ...latencies);
  reporter.setOutput('passed', passed);
  reporter.setOutput('reply', results[0]?.reply ?? '');
  reporter.setOutput('latency-ms-p50', p50);
  reporter.setOutput('latency-ms-max', max);
  await reporter.summary(
    [
      `## amlft smoke test: ${passed ? 'passed' : 'FAILED'}`,
      '',
      `Target: ${cell(inputs.endpoint ?? target.scoringUri)}${inputs.deployment ? ` / deployment ${cell(inputs.deployment)}` : ''}, p50 ${p50} ms, max ${max} ms`,
      '',
      table(['Prompt', 'Reply', 'Latency', 'Verdict'], results.map((r) => [cell(r.prompt.slice(0, 100)), cell(r.reply.slice(0, 200)), `${r.latencyMs} ms`, r.problems.length === 0 ? 'pass' : cell(`fail: ${r.problems.join('; ')}`)])),
      '',
    ].join('\n'),
  );
  if (!passed) {
    const failed = results.filter((r) => r.problems.length > 0);
    throw new UserFacingError(`${failed.length} of ${results.length} request(s) failed; first: ${JSON.stringify(failed[0]!.prompt.slice(0, 80))}: ${failed[0]!.problems.join('; ')}`);
  }
  return { passed, results, p50, max };
}
