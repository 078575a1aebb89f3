// Resource Manager errors in Azure's shape ({"error": {"code", "message", "details"?}}) and the common ones.

import type { Reply } from '../httpKit.js';

export interface ArmErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ArmErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toReply(): Reply {
    const error: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.details?.length) error.details = this.details;
    return { status: this.status, body: { error }, ...(this.headers ? { headers: this.headers } : {}) };
  }
}

/** 400 for a request body Azure ML would refuse: the message says exactly which field and why. */
export function userError(message: string, target?: string, code = 'BadArgument'): ArmError {
  return new ArmError(400, 'UserError', message, [{ code, message, ...(target ? { target } : {}) }]);
}

export function resourceNotFound(type: string, name: string, resourceGroup: string): ArmError {
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function resourceGroupNotFound(resourceGroup: string): ArmError {
  return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

export function parentNotFound(parentName: string): ArmError {
  return new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`);
}

export function conflict(message: string, code = 'Conflict'): ArmError {
  return new ArmError(409, code, message);
}
