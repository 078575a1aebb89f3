// The deploy action's inputs, read once and checked before any request: mode, model, sizes, traffic steps and maps.

import { parseSignInInputs, type SignInInputs } from '../azure/signInInputs.js';
import { booleanInput, choiceInput, InputError, integerInput, optionalString, requiredString, type InputSource } from '../inputs/parseInputs.js';
import { modelVersionId, type WorkspaceRef } from '../azure/resourceIds.js';
import type { DeploymentSettings } from './deploymentSettings.js';
import { CONNECTION_NAME } from './promptflowConnection.js';
import { parseTrafficMap, parseTrafficSteps, MAX_MIRROR_PERCENT, type TrafficMap } from './trafficPlan.js';

export const DEPLOY_MODES = ['deploy', 'promote', 'rollback'] as const;
export type DeployMode = (typeof DEPLOY_MODES)[number];

export const DEPLOY_TARGETS = ['online', 'serverless'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

export interface DeployModelInput {
  readonly name: string;
  readonly version: string;
  /** An ARM id as given, or built from azureml:name:version in the workspace. */
  readonly armId?: string;
}

export interface DeployInputs extends DeploymentSettings {
  readonly signIn: SignInInputs;
  readonly mode: DeployMode;
  readonly endpoint: string;
  readonly deployment?: string;
  readonly model?: DeployModelInput;
  readonly trafficSteps: number[];
  readonly stepWaitSeconds: number;
  readonly previousTraffic?: TrafficMap;
  readonly timeoutMinutes: number;
  /** online: a managed online endpoint (blue/green); serverless: a serverless (models-as-a-service) endpoint. */
  readonly target: DeployTarget;
  /** The workspace CustomKeys connection to create or update for Prompt flow (deploy and promote). */
  readonly connectionName?: string;
  /** Records a GitHub deployment when set; masked before anything else happens. */
  readonly githubToken?: string;
  /** The GitHub environment of that record; the endpoint name when empty. */
  readonly githubEnvironment?: string;
  /** promote: delete the idle deployments after the verified promotion, keeping `keepPrevious`. */
  readonly deleteOld: boolean;
  readonly keepPrevious: number;
}

const ENDPOINT = /^[a-zA-Z][a-zA-Z0-9-]{1,30}[a-zA-Z0-9]$/;
const SERVERLESS_ENDPOINT = /^[a-zA-Z][a-zA-Z0-9-]{2,51}$/;
const DEPLOYMENT = /^[a-zA-Z][a-zA-Z0-9-]{2,31}$/;
const MODEL_ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/models\/([^/]+)\/versions\/([^/]+)$/i;

export function parseDeployModel(raw: string): DeployModelInput {
  const registry = /^azureml:\/\/registries\/[A-Za-z0-9._-]+\/models\/([A-Za-z0-9._-]+)\/versions\/([A-Za-z0-9._-]+)$/.exec(raw);
  if (registry) return { name: registry[1]!, version: registry[2]!, armId: raw };
  const arm = MODEL_ARM_ID.exec(raw);
  if (arm) return { name: decodeURIComponent(arm[1]!), version: decodeURIComponent(arm[2]!), armId: raw };
  const short = /^azureml:([A-Za-z0-9][A-Za-z0-9._-]{0,254}):([A-Za-z0-9._-]+)$/.exec(raw);
  if (short) return { name: short[1]!, version: short[2]! };
  throw new InputError('model', raw, 'expected azureml:<name>:<version>, a model version ARM id, or azureml://registries/<registry>/models/<name>/versions/<version>');
}

/** The model's ARM id in the workspace being deployed to. */
export function modelArmId(model: DeployModelInput, ref: WorkspaceRef): string {
  return model.armId ?? modelVersionId(ref, model.name, model.version);
}

export function parseDeployInputs(source: InputSource, env: NodeJS.ProcessEnv): DeployInputs {
  const signIn = parseSignInInputs(source, env);
  const mode = choiceInput(source, 'action', DEPLOY_MODES, 'deploy');
  const target = choiceInput(source, 'target', DEPLOY_TARGETS, 'online');
  if (target === 'serverless') refuseTrafficInputs(source, mode);
  const endpoint = requiredString(source, 'endpoint');
  if (target === 'serverless' && !SERVERLESS_ENDPOINT.test(endpoint)) throw new InputError('endpoint', endpoint, 'expected a serverless endpoint name of 3-52 characters: letters, digits and hyphens, starting with a letter');
  if (target === 'online' && !ENDPOINT.test(endpoint)) throw new InputError('endpoint', endpoint, 'expected 3-32 characters: letters, digits and hyphens, starting with a letter and not ending with a hyphen');
  const deployment = optionalString(source, 'deployment');
  if (deployment !== undefined && !DEPLOYMENT.test(deployment)) throw new InputError('deployment', deployment, 'expected 3-32 characters: letters, digits and hyphens, starting with a letter');
  const modelRaw = optionalString(source, 'model');
  if (mode === 'deploy' && modelRaw === undefined) throw new InputError('model', '', "it is required with action: deploy (azureml:<name>:<version>, e.g. the finetune action's 'model' output)");
  if (mode === 'promote' && deployment === undefined) throw new InputError('deployment', '', "it is required with action: promote (the deploy step's 'deployment' output)");
  const stepsText = optionalString(source, 'traffic-steps') ?? '100';
  const steps = parseTrafficSteps(stepsText);
  if (!steps.ok) throw new InputError('traffic-steps', stepsText, steps.reason);
  const previousText = optionalString(source, 'previous-traffic');
  let previousTraffic: TrafficMap | undefined;
  if (previousText !== undefined) {
    const parsed = parseTrafficMap(previousText);
    if (!parsed.ok) throw new InputError('previous-traffic', previousText, parsed.reason);
    previousTraffic = parsed.value;
  }
  if (mode === 'rollback' && previousTraffic === undefined && deployment === undefined) throw new InputError('previous-traffic', '', "rollback needs 'previous-traffic' (an earlier step's output) or 'deployment' to send 100% back to");
  const envText = optionalString(source, 'environment-variables') ?? '{}';
  let environmentVariables: Record<string, string>;
  try {
    const parsed = JSON.parse(envText) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw new Error('not an object of strings');
    environmentVariables = parsed as Record<string, string>;
  } catch {
    throw new InputError('environment-variables', envText, 'expected a JSON object of string values, e.g. {"MAX_TOTAL_TOKENS":"4096"}');
  }
  const identityId = optionalString(source, 'managed-identity');
  const deleteOld = booleanInput(source, 'delete-old', false);
  const keepPrevious = integerInput(source, 'keep-previous', { default: 1, min: 0, max: 20 });
  if (deleteOld && mode !== 'promote') throw new InputError('delete-old', 'true', 'it applies to action: promote only (deployments are deleted after a verified promotion)');
  const connectionName = optionalString(source, 'connection-name');
  if (connectionName !== undefined) {
    if (!CONNECTION_NAME.test(connectionName)) throw new InputError('connection-name', connectionName, 'expected 3-33 characters: letters, digits, hyphens and underscores, starting with a letter or digit');
    if (mode === 'rollback') throw new InputError('connection-name', connectionName, 'it applies to action: deploy or promote (the connection points at the endpoint, which a rollback does not change)');
  }
  const githubToken = optionalString(source, 'github-token');
  const githubEnvironment = optionalString(source, 'github-environment');
  if (githubEnvironment !== undefined && (githubEnvironment.length > 255 || /[\u0000-\u001f]/.test(githubEnvironment))) throw new InputError('github-environment', githubEnvironment, 'expected a GitHub environment name of at most 255 characters');
  return {
    signIn,
    mode,
    endpoint,
    ...(deployment !== undefined ? { deployment } : {}),
    ...(modelRaw !== undefined ? { model: parseDeployModel(modelRaw) } : {}),
    instanceType: optionalString(source, 'instance-type') ?? 'Standard_NC6s_v3',
    instanceCount: integerInput(source, 'instance-count', { default: 1, min: 1, max: 50 }),
    requestTimeoutMs: integerInput(source, 'request-timeout-ms', { default: 90_000, min: 1000, max: 180_000 }),
    maxConcurrentRequests: integerInput(source, 'max-concurrent-requests', { default: 1, min: 1, max: 1000 }),
    probeInitialDelaySeconds: integerInput(source, 'probe-initial-delay-seconds', { default: 600, min: 0, max: 3600 }),
    environmentVariables,
    mirrorPercent: integerInput(source, 'mirror-percent', { default: 0, min: 0, max: MAX_MIRROR_PERCENT }),
    deleteFailed: booleanInput(source, 'delete-failed', true),
    ...(identityId !== undefined ? { identityId } : {}),
    trafficSteps: steps.value,
    stepWaitSeconds: integerInput(source, 'step-wait-seconds', { default: 60, min: 0, max: 3600 }),
    ...(previousTraffic !== undefined ? { previousTraffic } : {}),
    timeoutMinutes: integerInput(source, 'timeout-minutes', { default: 60, min: 1, max: 360 }),
    target,
    ...(connectionName !== undefined ? { connectionName } : {}),
    ...(githubToken !== undefined ? { githubToken } : {}),
    ...(githubEnvironment !== undefined ? { githubEnvironment } : {}),
    deleteOld,
    keepPrevious,
  };
}

/** A serverless endpoint has no deployments and no traffic map: every traffic input is an error there, named. */
function refuseTrafficInputs(source: InputSource, mode: DeployMode): void {
  if (mode !== 'deploy') throw new InputError('action', mode, 'target: serverless supports action: deploy only (a serverless endpoint has no deployments to promote or roll back)');
  const because = 'it does not apply to target: serverless (a serverless endpoint has no deployments or traffic map); leave it empty';
  const steps = optionalString(source, 'traffic-steps');
  if (steps !== undefined && steps !== '100') throw new InputError('traffic-steps', steps, because);
  const mirror = optionalString(source, 'mirror-percent');
  if (mirror !== undefined && mirror !== '0') throw new InputError('mirror-percent', mirror, because);
  for (const name of ['previous-traffic', 'deployment']) {
    const value = optionalString(source, name);
    if (value !== undefined) throw new InputError(name, value, because);
  }
}
