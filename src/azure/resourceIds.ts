// Azure resource ids and URLs built from their parts: one place that knows the paths.

export interface WorkspaceRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
}

const seg = (value: string) => encodeURIComponent(value);

export function resourceGroupId(ref: Pick<WorkspaceRef, 'subscriptionId' | 'resourceGroup'>): string {
  return `/subscriptions/${seg(ref.subscriptionId)}/resourceGroups/${seg(ref.resourceGroup)}`;
}

export function workspaceId(ref: WorkspaceRef): string {
  return `${resourceGroupId(ref)}/providers/Microsoft.MachineLearningServices/workspaces/${seg(ref.workspace)}`;
}

/** An ARM URL for a resource id with its api-version. */
export function armUrl(resourceManager: string, id: string, apiVersion: string, extraQuery: Record<string, string> = {}): string {
  const url = new URL(resourceManager + id);
  url.searchParams.set('api-version', apiVersion);
  for (const [name, value] of Object.entries(extraQuery)) url.searchParams.set(name, value);
  return url.toString();
}

/** Azure ML studio link to a workspace page (studio builds its links from the workspace's ARM id). */
export function studioUrl(studio: string, ref: WorkspaceRef, page = ''): string {
  const wsid = encodeURIComponent(workspaceId(ref));
  return `${studio}/${page}?wsid=${wsid}`.replace('/?', page === '' ? '/?' : '?');
}

/** A job in a workspace. */
export function jobId(ref: WorkspaceRef, name: string): string {
  return `${workspaceId(ref)}/jobs/${seg(name)}`;
}

/** A model version in a workspace. */
export function modelVersionId(ref: WorkspaceRef, name: string, version: string): string {
  return `${workspaceId(ref)}/models/${seg(name)}/versions/${seg(version)}`;
}

/** A managed online endpoint in a workspace. */
export function onlineEndpointId(ref: WorkspaceRef, endpoint: string): string {
  return `${workspaceId(ref)}/onlineEndpoints/${seg(endpoint)}`;
}

/** A deployment of a managed online endpoint. */
export function onlineDeploymentId(ref: WorkspaceRef, endpoint: string, deployment: string): string {
  return `${onlineEndpointId(ref, endpoint)}/deployments/${seg(deployment)}`;
}
