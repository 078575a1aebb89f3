import { describe, expect, it } from 'vitest';
import { armErrorFromResponse, hintFor } from '../../../src/azure/armErrors.js';

const ws = 'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws';

describe('ARM error hints', () => {
  it.each([
    [403, 'AuthorizationFailed', "The client 'x' does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write' over scope '/subscriptions/s'", 'PUT', `${ws}/onlineEndpoints/e`, /lacks permission 'Microsoft.MachineLearningServices\/workspaces\/onlineEndpoints\/write' on .*grant it a role such as Contributor/],
    [403, 'AuthorizationFailed', "does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'", 'PUT', 'https://m/subscriptions/s/resourceGroups/rg/providers/Microsoft.Authorization/roleAssignments/g', /cannot assign roles on \/subscriptions\/s\/resourceGroups\/rg; it needs Owner or User Access Administrator/],
    [404, 'ParentResourceNotFound', "Failed to perform 'write' on resource(s) of type 'workspaces/onlineEndpoints', because the parent resource '/subscriptions/s/.../workspaces/ws' could not be found.", 'PUT', `${ws}/onlineEndpoints/e`, /check the workspace and resource-group inputs/],
    [404, 'ResourceGroupNotFound', "Resource group 'rg' could not be found.", 'GET', ws, /check the resource-group and subscription-id inputs/],
    [400, 'QuotaExceeded', 'Not enough quota available for Standard NCADSA100v4 Family in region eastus2', 'PUT', `${ws}/computes/gpu`, /not enough quota for Standard NCADSA100v4 Family in eastus2: request more in Azure ML studio > Quota/],
    [401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.', 'GET', ws, /sign-in token was refused/],
  ])('%i %s', (status, code, message, method, url, expected) => {
    expect(hintFor(status, code, message, method, url)).toMatch(expected);
  });

  it('reads the ARM error shape, and survives bodies that are not', () => {
    expect(armErrorFromResponse('get x', 'GET', ws, 500, { error: { code: 'InternalServerError', message: 'boom' } }, 'r1').message).toBe('get x failed: 500 InternalServerError: boom — (request id r1)');
    expect(armErrorFromResponse('get x', 'GET', ws, 502, '<html>bad gateway</html>', undefined).message).toBe('get x failed: 502 HTTP502: <html>bad gateway</html>');
    expect(armErrorFromResponse('get x', 'GET', ws, 500, undefined, undefined).code).toBe('HTTP500');
  });
});
