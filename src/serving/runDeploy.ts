// The deploy action's body: connect, run the chosen mode (deploy, promote or rollback), report outputs and a summary. Never outputs a key.

import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { studioUrl } from '../azure/resourceIds.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { cell, table } from '../report/markdown.js';
import { pickDeploymentSettings } from './deploymentSettings.js';
import { modelArmId, type DeployInputs } from './deployInputs.js';
import type { ServingTarget } from './endpointAzure.js';
import { deploy, promote, rollback, type ReleaseContext, type ReleaseResult } from './release.js';
import { formatTraffic } from './trafficPlan.js';

export type DeployOptions = SessionOptions;

export async function runDeploy(inputs: DeployInputs, options: DeployOptions, reporter: ActionReporter): Promise<ReleaseResult> {
  const log = (message: string) => reporter.info(message);
  const session = await connectAzure(inputs.signIn, { ...options, log: options.log ?? log });
  const ref = { subscriptionId: inputs.signIn.subscriptionId, resourceGroup: inputs.signIn.resourceGroup, workspace: inputs.signIn.workspace };
  const target: ServingTarget = { transport: session.transport, resourceManager: session.cloud.resourceManager, ref, apiVersions: resolveApiVersions(options.env, options.apiVersions) };
  const ctx: ReleaseContext = { target, clock: options.clock, log };
  const timeoutMs = inputs.timeoutMinutes * 60_000;
  let result: ReleaseResult;
  if (inputs.mode === 'deploy') {
    const model = inputs.model!;
    result = await deploy(ctx, {
      endpoint: inputs.endpoint,
      ...(inputs.deployment !== undefined ? { deployment: inputs.deployment } : {}),
      model: { id: modelArmId(model, ref), name: model.name, version: model.version },
      ...pickDeploymentSettings(inputs),
      timeoutMs,
      logTailLines: 50,
    });
  } else if (inputs.mode === 'promote') {
    result = await promote(ctx, { endpoint: inputs.endpoint, deployment: inputs.deployment!, steps: inputs.trafficSteps, stepWaitMs: inputs.stepWaitSeconds * 1000, timeoutMs });
  } else {
    result = await rollback(ctx, { endpoint: inputs.endpoint, ...(inputs.previousTraffic ? { previousTraffic: inputs.previousTraffic } : {}), ...(inputs.deployment ? { deployment: inputs.deployment } : {}), timeoutMs });
  }
  const studio = studioUrl(session.cloud.studio, ref, `endpoints/realtime/${encodeURIComponent(inputs.endpoint)}/detail`);
  reporter.setOutput('endpoint', result.endpoint);
  reporter.setOutput('deployment', result.deployment);
  reporter.setOutput('scoring-uri', result.scoringUri);
  reporter.setOutput('previous-traffic', JSON.stringify(result.previousTraffic));
  reporter.setOutput('traffic', JSON.stringify(result.traffic));
  reporter.setOutput('studio-url', studio);
  log(`Live traffic now: ${formatTraffic(result.traffic)}`);
  await reporter.summary(
    [
      `## amlft deploy: ${inputs.mode}`,
      '',
      table(['', ''], [
        ['Endpoint', cell(result.endpoint)],
        ['Deployment', cell(result.deployment) + (result.reused ? ' (already deployed, reused)' : '')],
        ['Live traffic before', cell(formatTraffic(result.previousTraffic))],
        ['Live traffic now', cell(formatTraffic(result.traffic))],
        ['Mirror traffic', cell(formatTraffic(result.mirrorTraffic))],
        ['Scoring URI', cell(result.scoringUri)],
      ]),
      '',
      `[Open in Azure ML studio](${studio})`,
      '',
    ].join('\n'),
  );
  return result;
}
