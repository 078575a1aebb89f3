// The deploy action's body: connect, run the chosen mode on the chosen target, then the Prompt flow connection and the GitHub deployment record; outputs and a summary, never a key.

import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { studioUrl, type WorkspaceRef } from '../azure/resourceIds.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { deploymentTargetFromEnv, noDeploymentRecord, startDeploymentRecord, type DeploymentRecord, type GithubDeployments, type RecordOutcome } from '../github/deploymentRecord.js';
import { octokitDeployments } from '../github/octokitDeployments.js';
import { cell, table } from '../report/markdown.js';
import { pickDeploymentSettings } from './deploymentSettings.js';
import { modelArmId, type DeployInputs } from './deployInputs.js';
import { endpointPrimaryKey, type ServingTarget } from './endpointAzure.js';
import { upsertCustomKeysConnection, type ConnectionResult } from './promptflowConnection.js';
import { deploy, promote, rollback, type ReleaseContext, type ReleaseResult } from './release.js';
import { serverlessPrimaryKey } from './serverlessAzure.js';
import { deployServerless, type ServerlessResult } from './serverlessRelease.js';
import { formatTraffic } from './trafficPlan.js';

export interface DeployOptions extends SessionOptions {
  /** How to reach GitHub deployments with the token; defaults to Octokit at GITHUB_API_URL. Tests pass an in-memory fake. */
  readonly githubDeployments?: (token: string, owner: string, repo: string) => GithubDeployments;
}

export type DeployOutcome =
  | { readonly target: 'online'; readonly release: ReleaseResult; readonly connection?: ConnectionResult; readonly record: RecordOutcome }
  | { readonly target: 'serverless'; readonly serverless: ServerlessResult; readonly connection?: ConnectionResult; readonly record: RecordOutcome };

function recordTask(inputs: DeployInputs): string {
  if (inputs.target === 'serverless') return 'deploy:serverless';
  return inputs.mode === 'deploy' ? 'deploy' : `deploy:${inputs.mode}`;
}

function recordDescription(inputs: DeployInputs): string {
  if (inputs.target === 'serverless') return `amlft: serverless endpoint ${inputs.endpoint} for ${inputs.model?.name}:${inputs.model?.version}`;
  if (inputs.mode === 'deploy') return `amlft: deploy ${inputs.model?.name}:${inputs.model?.version} to ${inputs.endpoint} at 0% live traffic`;
  if (inputs.mode === 'promote') return `amlft: promote ${inputs.deployment} on ${inputs.endpoint}`;
  return `amlft: roll back live traffic on ${inputs.endpoint}`;
}

async function startRecord(inputs: DeployInputs, options: DeployOptions, reporter: ActionReporter): Promise<DeploymentRecord> {
  if (inputs.githubToken === undefined) return noDeploymentRecord('no github-token given');
  const where = deploymentTargetFromEnv(options.env);
  if ('reason' in where) {
    reporter.warning(`GitHub deployment record skipped: ${where.reason}.`, { title: 'amlft deploy' });
    return noDeploymentRecord(where.reason);
  }
  const client = (options.githubDeployments ?? ((token, owner, repo) => octokitDeployments(token, owner, repo, options.env.GITHUB_API_URL)))(inputs.githubToken, where.owner, where.repo);
  const payload: Record<string, string> = { endpoint: inputs.endpoint, target: inputs.target, action: inputs.mode };
  if (inputs.model) payload.model = `${inputs.model.name}:${inputs.model.version}`;
  if (inputs.deployment) payload.deployment = inputs.deployment;
  return startDeploymentRecord(
    client,
    { ref: where.ref, environment: inputs.githubEnvironment ?? inputs.endpoint, task: recordTask(inputs), description: recordDescription(inputs), payload },
    { ...(where.logUrl ? { logUrl: where.logUrl } : {}), warn: (message) => reporter.warning(message, { title: 'amlft deploy' }) },
  );
}

/** Fetches the key, masks it before anything else can print it, and writes the connection. */
async function connect(target: ServingTarget, name: string, endpointUri: string, readKey: () => Promise<string>, reporter: ActionReporter): Promise<ConnectionResult> {
  if (!endpointUri) throw new Error(`the endpoint has no scoring URI yet, so connection '${name}' cannot point at it`);
  const key = await readKey();
  reporter.setSecret(key);
  const result = await upsertCustomKeysConnection(target, name, endpointUri, key);
  reporter.info(`Connection '${name}' (CustomKeys: endpoint ${endpointUri}, key as secret) ${result.created ? 'created' : 'updated in place'}.`);
  return result;
}

function recordLine(record: RecordOutcome): string {
  return record.kind === 'recorded' ? `#${record.id} in environment ${record.environment}: ${record.state}` : `not recorded (${record.reason})`;
}

export async function runDeploy(inputs: DeployInputs, options: DeployOptions, reporter: ActionReporter): Promise<DeployOutcome> {
  if (inputs.githubToken !== undefined) reporter.setSecret(inputs.githubToken);
  const log = (message: string) => reporter.info(message);
  const ref: WorkspaceRef = { subscriptionId: inputs.signIn.subscriptionId, resourceGroup: inputs.signIn.resourceGroup, workspace: inputs.signIn.workspace };
  const record = await startRecord(inputs, options, reporter);
  let outcome: DeployOutcome;
  let studio: string;
  try {
    const session = await connectAzure(inputs.signIn, { ...options, log: options.log ?? log });
    const target: ServingTarget = { transport: session.transport, resourceManager: session.cloud.resourceManager, ref, apiVersions: resolveApiVersions(options.env, options.apiVersions) };
    const ctx: ReleaseContext = { target, clock: options.clock, log };
    const timeoutMs = inputs.timeoutMinutes * 60_000;
    if (inputs.target === 'serverless') {
      const model = inputs.model!;
      const serverless = await deployServerless(ctx, { endpoint: inputs.endpoint, model: { id: modelArmId(model, ref), name: model.name, version: model.version }, timeoutMs });
      const connection = inputs.connectionName ? await connect(target, inputs.connectionName, serverless.scoringUri, () => serverlessPrimaryKey(target, inputs.endpoint), reporter) : undefined;
      // The studio page of a serverless endpoint (link shape as ml.azure.com shows it for online endpoints; unverified for serverless).
      studio = studioUrl(session.cloud.studio, ref, `endpoints/serverless/${encodeURIComponent(inputs.endpoint)}/detail`);
      outcome = { target: 'serverless', serverless, ...(connection ? { connection } : {}), record: record.outcome() };
    } else {
      let release: ReleaseResult;
      if (inputs.mode === 'deploy') {
        const model = inputs.model!;
        release = await deploy(ctx, {
          endpoint: inputs.endpoint,
          ...(inputs.deployment !== undefined ? { deployment: inputs.deployment } : {}),
          model: { id: modelArmId(model, ref), name: model.name, version: model.version },
          ...pickDeploymentSettings(inputs),
          timeoutMs,
          logTailLines: 50,
        });
      } else if (inputs.mode === 'promote') {
        release = await promote(ctx, {
          endpoint: inputs.endpoint,
          deployment: inputs.deployment!,
          steps: inputs.trafficSteps,
          stepWaitMs: inputs.stepWaitSeconds * 1000,
          timeoutMs,
          ...(inputs.deleteOld ? { deleteOld: { keepPrevious: inputs.keepPrevious } } : {}),
        });
      } else {
        release = await rollback(ctx, { endpoint: inputs.endpoint, ...(inputs.previousTraffic ? { previousTraffic: inputs.previousTraffic } : {}), ...(inputs.deployment ? { deployment: inputs.deployment } : {}), timeoutMs });
      }
      for (const failure of release.deleteFailures ?? []) reporter.warning(`delete-old: ${failure}`, { title: 'amlft deploy' });
      const connection = inputs.connectionName ? await connect(target, inputs.connectionName, release.scoringUri, () => endpointPrimaryKey(target, inputs.endpoint), reporter) : undefined;
      studio = studioUrl(session.cloud.studio, ref, `endpoints/realtime/${encodeURIComponent(inputs.endpoint)}/detail`);
      outcome = { target: 'online', release, ...(connection ? { connection } : {}), record: record.outcome() };
    }
  } catch (error) {
    await record.fail(`failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    throw error;
  }
  await record.succeed(studio, outcome.target === 'serverless' ? `serverless endpoint ${outcome.serverless.endpoint} ${outcome.serverless.change}` : `live traffic: ${formatTraffic(outcome.release.traffic)}`);
  outcome = { ...outcome, record: record.outcome() };
  await report(inputs, outcome, studio, reporter);
  return outcome;
}

async function report(inputs: DeployInputs, outcome: DeployOutcome, studio: string, reporter: ActionReporter): Promise<void> {
  const rows: string[][] = [['Endpoint', cell(inputs.endpoint)]];
  reporter.setOutput('endpoint', inputs.endpoint);
  if (outcome.target === 'online') {
    const result = outcome.release;
    reporter.setOutput('deployment', result.deployment);
    reporter.setOutput('scoring-uri', result.scoringUri);
    reporter.setOutput('previous-traffic', JSON.stringify(result.previousTraffic));
    reporter.setOutput('traffic', JSON.stringify(result.traffic));
    if (result.deleted !== undefined) reporter.setOutput('deleted-deployments', JSON.stringify(result.deleted));
    reporter.info(`Live traffic now: ${formatTraffic(result.traffic)}`);
    rows.push(
      ['Deployment', cell(result.deployment) + (result.reused ? ' (already deployed, reused)' : '')],
      ['Live traffic before', cell(formatTraffic(result.previousTraffic))],
      ['Live traffic now', cell(formatTraffic(result.traffic))],
      ['Mirror traffic', cell(formatTraffic(result.mirrorTraffic))],
      ['Scoring URI', cell(result.scoringUri)],
    );
    if (result.deleted !== undefined) rows.push(['Deleted (delete-old)', cell(result.deleted.length > 0 ? result.deleted.join(', ') : 'none') + ((result.deleteFailures?.length ?? 0) > 0 ? ` (${result.deleteFailures!.length} could not be deleted)` : '')]);
  } else {
    const result = outcome.serverless;
    reporter.setOutput('scoring-uri', result.scoringUri);
    rows.push(['Target', 'serverless (models as a service)'], ['Model', cell(result.modelId)], ['Change', cell(result.change)], ['Inference URI', cell(result.scoringUri)]);
  }
  reporter.setOutput('studio-url', studio);
  if (outcome.connection) {
    reporter.setOutput('connection-name', outcome.connection.name);
    rows.push(['Prompt flow connection', `${cell(outcome.connection.name)} (CustomKeys: endpoint + key secret, ${outcome.connection.created ? 'created' : 'updated'})`]);
  }
  if (outcome.record.kind === 'recorded') reporter.setOutput('github-deployment-id', String(outcome.record.id));
  if (inputs.githubToken !== undefined) rows.push(['GitHub deployment', cell(recordLine(outcome.record))]);
  await reporter.summary([`## amlft deploy: ${inputs.target === 'serverless' ? 'serverless' : inputs.mode}`, '', table(['', ''], rows), '', `[Open in Azure ML studio](${studio})`, ''].join('\n'));
}
