// The provision action's body: plan first, then quota preflight, then only the writes the plan lists.

import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { ArmError } from '../azure/armErrors.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { studioUrl } from '../azure/resourceIds.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { UserFacingError } from '../github/runAction.js';
import { planLines, planMarkdown, quotaMarkdown } from './planReport.js';
import { applyPlan, readObservedState, readRegionQuota, type AzureTarget } from './provisionAzure.js';
import type { ProvisionInputs } from './provisionInputs.js';
import { desiredState, newTrainingNodes, planProvisioning, PlanConflictError, type ProvisionPlan } from './provisionPlan.js';
import { checkQuota, VmSizeUnavailableError, type QuotaNeed } from './quotaCheck.js';

export interface ProvisionOptions extends SessionOptions {
  /** Tags put on every resource created (runTags). */
  readonly tags: Readonly<Record<string, string>>;
  /** Longest wait for one long-running operation; default 30 minutes. */
  readonly lroTimeoutMs?: number;
}

export interface ProvisionResult {
  readonly plan: ProvisionPlan;
  /** Write requests that changed something (0 on a dry run or a provisioned workspace). */
  readonly changes: number;
  readonly outputs: Readonly<Record<string, string>>;
}

function tenantFromToken(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown };
    return typeof payload.tid === 'string' ? payload.tid : undefined;
  } catch {
    return undefined;
  }
}

/** Errors from Azure become one line: the operation, Azure's code and message, and the hint. */
function asUserFacing(error: unknown): unknown {
  if (error instanceof ArmError || error instanceof PlanConflictError || error instanceof VmSizeUnavailableError) return new UserFacingError(error.message, { cause: error });
  return error;
}

export async function runProvision(inputs: ProvisionInputs, options: ProvisionOptions, reporter: ActionReporter): Promise<ProvisionResult> {
  const log = (message: string) => reporter.info(message);
  const session = await connectAzure(inputs.signIn, { ...options, log: options.log ?? log });
  const { subscriptionId, resourceGroup, workspace } = inputs.signIn;
  const target: AzureTarget = {
    transport: session.transport,
    resourceManager: session.cloud.resourceManager,
    apiVersions: resolveApiVersions(options.env, options.apiVersions),
    lroTimeoutMs: options.lroTimeoutMs ?? 30 * 60_000,
    log,
    tenantId: async () => {
      if (inputs.signIn.tenantId) return inputs.signIn.tenantId;
      const token = await session.credential.getToken(session.cloud.armScope);
      const tenant = (token ? tenantFromToken(token.token) : undefined) ?? options.env.AZURE_TENANT_ID;
      if (!tenant) throw new UserFacingError("cannot tell the tenant a new key vault belongs to; set the 'tenant-id' input");
      return tenant;
    },
  };
  try {
    const desired = desiredState(inputs, options.tags);
    const observed = await readObservedState(target, desired);
    const plan = planProvisioning(desired, observed);

    const heading = `Provisioning plan for workspace ${workspace} in ${inputs.location}${inputs.dryRun ? ' (dry run)' : ''}`;
    log(heading);
    for (const line of planLines(plan)) log(`  ${line}`);
    await reporter.summary(planMarkdown(plan, heading));

    const outputs: Record<string, string> = {
      'workspace-id': desired.workspace.id,
      'workspace-guid': observed.workspace?.workspaceGuid ?? '',
      'studio-url': studioUrl(session.cloud.studio, { subscriptionId, resourceGroup, workspace }),
      location: inputs.location,
      compute: desired.compute.id,
      'identity-id': desired.identity.id,
      'identity-client-id': observed.identity?.clientId ?? '',
      'identity-principal-id': observed.identity?.principalId ?? '',
      'storage-account': plan.storageAccount,
      'container-registry': plan.containerRegistry,
      changes: '0',
    };

    if (inputs.dryRun) {
      log(`dry-run: stopping after the plan; ${plan.writes} write${plan.writes === 1 ? '' : 's'} would be made`);
      for (const [name, value] of Object.entries(outputs)) reporter.setOutput(name, value);
      return { plan, changes: 0, outputs };
    }

    if (inputs.checkQuota && plan.writes > 0) {
      const needs: QuotaNeed[] = [
        { input: 'vm-size', vmSize: inputs.vmSize, count: newTrainingNodes(desired, observed), priority: inputs.vmPriority },
        { input: 'serving-vm-size', vmSize: inputs.servingVmSize, count: inputs.servingInstances, priority: 'dedicated' },
      ];
      const region = await readRegionQuota(target, subscriptionId, inputs.location);
      const quota = checkQuota(needs, region.sizes, region.usages, inputs.location);
      await reporter.summary(quotaMarkdown(quota.lines, inputs.location));
      for (const l of quota.lines) log(`quota: ${l.row}: need ${l.need}, ${l.free} of ${l.limit} free${l.ok ? '' : ' (short)'}`);
      if (quota.shortfalls.length > 0) throw new UserFacingError(`not enough quota, nothing was changed: ${quota.shortfalls.join('; ')} (or set check-quota: false to try anyway)`);
    } else if (!inputs.checkQuota) {
      log('check-quota: false: skipping the quota preflight');
    }

    const applied = await applyPlan(target, desired, plan, observed);
    const ws = (await session.workspace.getWorkspace()) as { workspaceGuid: string; storageAccount?: string; containerRegistry?: string };
    Object.assign(outputs, {
      'workspace-guid': ws.workspaceGuid,
      'identity-client-id': applied.identity?.clientId ?? '',
      'identity-principal-id': applied.identity?.principalId ?? '',
      ...(desired.hub ? {} : { 'storage-account': ws.storageAccount ?? plan.storageAccount, 'container-registry': ws.containerRegistry ?? plan.containerRegistry }),
      changes: String(applied.changes),
    });
    log(applied.changes === 0 ? 'Nothing changed: everything was already provisioned.' : `Done: ${applied.changes} change${applied.changes === 1 ? '' : 's'}.`);
    for (const [name, value] of Object.entries(outputs)) reporter.setOutput(name, value);
    return { plan, changes: applied.changes, outputs };
  } catch (error) {
    throw asUserFacing(error);
  }
}
