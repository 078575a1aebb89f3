// Azure Resource Manager errors as one line a user can act on: operation, code, message, request id, and a hint.

export class ArmError extends Error {
  readonly operation: string;
  readonly status: number;
  readonly code: string;
  readonly armMessage: string;
  readonly requestId: string | undefined;
  readonly hint: string | undefined;

  constructor(fields: { operation: string; status: number; code: string; message: string; requestId?: string | undefined; hint?: string | undefined }) {
    const parts = [`${fields.operation} failed: ${fields.status} ${fields.code}: ${fields.message}`];
    if (fields.hint) parts.push(fields.hint);
    if (fields.requestId) parts.push(`(request id ${fields.requestId})`);
    super(parts.join(' — '));
    this.name = 'ArmError';
    this.operation = fields.operation;
    this.status = fields.status;
    this.code = fields.code;
    this.armMessage = fields.message;
    this.requestId = fields.requestId;
    this.hint = fields.hint;
  }
}

interface ArmErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
  code?: unknown;
  message?: unknown;
}

/** The resource path of a URL, with the ids that matter named, for hints. */
function describeScope(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** A hint for the errors users hit most. Pure: code, message, status and URL in, advice out. */
export function hintFor(status: number, code: string, message: string, method: string, url: string): string | undefined {
  const scope = describeScope(url);
  const lower = `${code} ${message}`.toLowerCase();
  if (status === 401) return 'the sign-in token was refused: check the tenant, and that the identity exists and is not disabled';
  if (status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
    const action = /action '([^']+)'/.exec(message)?.[1];
    const wantsRoleAssignment = /roleAssignments/i.test(scope) || (action !== undefined && /roleAssignments/i.test(action));
    if (wantsRoleAssignment) return `the signed-in principal cannot assign roles on ${scope.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/.*$/, '')}; it needs Owner or User Access Administrator there`;
    return `the signed-in principal lacks permission${action ? ` '${action}'` : ''} on ${scope}; grant it a role such as Contributor (or AzureML Data Scientist) on the resource group or workspace`;
  }
  if (code === 'ParentResourceNotFound' || /workspace.*not found|could not find workspace/i.test(message)) {
    return 'check the workspace and resource-group inputs: the workspace does not exist there (create it with the provision action)';
  }
  if (code === 'ResourceGroupNotFound') return 'check the resource-group and subscription-id inputs (or set create-resource-group: true in provision)';
  if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId') return 'check the subscription-id input and that the identity has access to that subscription';
  if (code === 'MissingSubscriptionRegistration') return 'register the resource provider named above on the subscription (the provision action does it)';
  if (/quota/.test(lower)) {
    const family = /(standard\s*\w+\s*family)/i.exec(message)?.[1];
    const region = /\bin (?:region )?'?([a-z]+[0-9]?)'?/i.exec(message)?.[1];
    return `not enough quota${family ? ` for ${family}` : ''}${region ? ` in ${region}` : ''}: request more in Azure ML studio > Quota, or pick another region or VM size`;
  }
  if (status === 409 && method === 'PUT') return 'another operation on the same resource is running or it is in a state that forbids this change; wait and re-run';
  if (status === 429) return 'Azure is throttling requests; the toolkit retried with back-off and gave up, re-run later';
  return undefined;
}

export function armErrorFromResponse(operation: string, method: string, url: string, status: number, body: unknown, requestId: string | undefined): ArmError {
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as ArmErrorBody;
  const inner = parsed.error ?? parsed;
  const code = typeof inner.code === 'string' ? inner.code : `HTTP${status}`;
  const message = typeof inner.message === 'string' ? inner.message : typeof body === 'string' && body.length < 300 ? body : 'no error message in the response';
  return new ArmError({ operation, status, code, message, requestId, hint: hintFor(status, code, message, method, url) });
}
