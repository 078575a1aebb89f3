// Runs the deploy action's body (runDeploy) in-process against the emulator, with a recording reporter.
import type { Emulator } from '../../emulator/src/index.js';
import { instantClock, type Clock } from '../../src/clock.js';
import type { GithubDeployments } from '../../src/github/deploymentRecord.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { parseDeployInputs } from '../../src/serving/deployInputs.js';
import { runDeploy, type DeployOutcome } from '../../src/serving/runDeploy.js';
import { recordingReporter, type RecordingReporter } from './recordingReporter.js';
import { trustingHttpClient } from './trustingHttpClient.js';

/** The emulator's operations move in real time: the test clock jumps ahead and yields a few real ms per sleep. */
export function steppingClock(): Clock {
  const inner = instantClock();
  return {
    now: inner.now,
    sleep: async (ms, signal) => {
      await inner.sleep(ms, signal);
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

export interface DeployRun {
  readonly reporter: RecordingReporter;
  readonly outcome?: DeployOutcome;
  readonly error?: unknown;
}

export interface DeployRunOptions {
  /** Runner variables (GITHUB_REPOSITORY, GITHUB_SHA...) on top of the emulator's sign-in environment. */
  readonly env?: Record<string, string>;
  readonly githubDeployments?: (token: string, owner: string, repo: string) => GithubDeployments;
}

export async function runDeployOn(em: Emulator, resourceGroup: string, inputs: Record<string, string>, options: DeployRunOptions = {}): Promise<DeployRun> {
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, GITHUB_API_URL } = em.env;
  const env = { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, GITHUB_API_URL, ...options.env };
  const parsed = parseDeployInputs(inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': resourceGroup, workspace: 'mlws', auth: 'secret', cloud: em.url, 'step-wait-seconds': '0', ...inputs }), env);
  const reporter = recordingReporter();
  try {
    const outcome = await runDeploy(parsed, { env, clock: steppingClock(), httpClient: trustingHttpClient(em.ca), getIdToken: () => Promise.reject(new Error('no OIDC here')), ...(options.githubDeployments ? { githubDeployments: options.githubDeployments } : {}) }, reporter);
    return { reporter, outcome };
  } catch (error) {
    return { reporter, error };
  }
}

/** Everything a run said (logs, outputs, summaries, annotations), for secret searches. */
export function everythingSaid(run: DeployRun): string {
  const r = run.reporter;
  return [...r.logs, JSON.stringify(r.outputs), ...r.summaries, ...r.annotations.map((a) => a.message), run.error instanceof Error ? run.error.message : ''].join('\n');
}
