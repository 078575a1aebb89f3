export const id = 610;
export const ids = [610];
export const modules = {

/***/ 9610:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  datasetStoreConnector: () => (/* binding */ datasetStoreConnector)
});

// EXTERNAL MODULE: ./node_modules/@azure/core-rest-pipeline/dist/esm/index.js + 80 modules
var esm = __webpack_require__(869);
// EXTERNAL MODULE: ./build/src/inputs/parseInputs.js
var parseInputs = __webpack_require__(3685);
;// CONCATENATED MODULE: ./build/src/azure/cloud.js
// Azure clouds: where Resource Manager, sign-in and Azure ML studio live, including custom (Azure Stack, emulator) clouds.

const KNOWN_CLOUDS = {
    AzureCloud: {
        name: 'AzureCloud',
        resourceManager: 'https://management.azure.com',
        authorityHost: 'https://login.microsoftonline.com',
        armScope: 'https://management.azure.com/.default',
        studio: 'https://ml.azure.com',
        storageSuffix: 'core.windows.net',
        custom: false,
    },
    AzureUSGovernment: {
        name: 'AzureUSGovernment',
        resourceManager: 'https://management.usgovcloudapi.net',
        authorityHost: 'https://login.microsoftonline.us',
        armScope: 'https://management.usgovcloudapi.net/.default',
        studio: 'https://ml.azure.us',
        storageSuffix: 'core.usgovcloudapi.net',
        custom: false,
    },
    AzureChinaCloud: {
        name: 'AzureChinaCloud',
        resourceManager: 'https://management.chinacloudapi.cn',
        authorityHost: 'https://login.chinacloudapi.cn',
        armScope: 'https://management.chinacloudapi.cn/.default',
        studio: 'https://studio.ml.azure.cn',
        storageSuffix: 'core.chinacloudapi.cn',
        custom: false,
    },
};
const ALLOWED = `allowed: ${Object.keys(KNOWN_CLOUDS).join(', ')}, or the https:// URL of a custom Resource Manager (Azure Stack Hub, the amlft emulator)`;
/**
 * Resolves the `cloud` input. A custom URL takes its sign-in host from AZURE_AUTHORITY_HOST (or the
 * cloud's own metadata) and its token scope from the metadata's audience (or the URL itself).
 */
function resolveCloud(input, env, metadata) {
    const raw = input.trim() === '' ? 'AzureCloud' : input.trim();
    const known = Object.values(KNOWN_CLOUDS).find((cloud) => cloud.name.toLowerCase() === raw.toLowerCase());
    if (known)
        return known;
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new parseInputs/* InputError */.dz('cloud', raw, ALLOWED);
    }
    if (url.protocol !== 'https:')
        throw new parseInputs/* InputError */.dz('cloud', raw, `a custom Resource Manager URL must use https (bearer tokens are never sent over http); ${ALLOWED}`);
    const resourceManager = url.origin + url.pathname.replace(/\/+$/, '');
    const authorityHost = (env.AZURE_AUTHORITY_HOST?.trim() || metadata?.loginEndpoint || '').replace(/\/+$/, '');
    if (authorityHost === '') {
        throw new parseInputs/* InputError */.dz('cloud', raw, 'a custom cloud needs its sign-in host: set AZURE_AUTHORITY_HOST (e.g. https://login.<your-stack>/)');
    }
    const audience = (metadata?.audiences?.[0] ?? resourceManager).replace(/\/+$/, '');
    return {
        name: 'custom',
        resourceManager,
        authorityHost,
        armScope: `${audience}/.default`,
        studio: metadata?.portal?.replace(/\/+$/, '') ?? resourceManager,
        storageSuffix: env.AZURE_STORAGE_SUFFIX?.trim() || 'core.windows.net',
        custom: true,
    };
}
/** Whether the cloud input names a custom Resource Manager (its metadata is worth reading first). */
function isCustomCloudInput(input) {
    return /^https?:\/\//i.test(input.trim());
}

// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 157 modules
var dist_esm = __webpack_require__(3989);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./build/src/github/runAction.js
var runAction = __webpack_require__(1034);
;// CONCATENATED MODULE: ./build/src/azure/credentials.js
// Signs in to Azure the way the `auth` input asks: GitHub OIDC, a client secret, the Azure CLI, or a managed identity.





/** The audience Entra expects on a GitHub token exchanged through a federated credential. */
const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';
function onPath(command, env) {
    const names = process.platform === 'win32' ? [`${command}.cmd`, `${command}.exe`] : [command];
    return (env.PATH ?? '').split(external_node_path_.delimiter).some((dir) => dir !== '' && names.some((name) => (0,external_node_fs_.existsSync)((0,external_node_path_.join)(dir, name))));
}
/** Which method `auto` picks, in the documented order, and why. */
function pickAuthMethod(inputs, env) {
    if (inputs.auth !== 'auto')
        return { method: inputs.auth, reason: `auth: ${inputs.auth}` };
    if (env.ACTIONS_ID_TOKEN_REQUEST_URL && inputs.clientId && inputs.tenantId) {
        return { method: 'oidc', reason: 'auto: client-id and tenant-id are set and the job may request a GitHub OIDC token (id-token: write)' };
    }
    if (env.AZURE_CLIENT_SECRET)
        return { method: 'secret', reason: 'auto: AZURE_CLIENT_SECRET is set' };
    if (onPath('az', env))
        return { method: 'cli', reason: 'auto: the Azure CLI (az) is on PATH' };
    if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT)
        return { method: 'managed-identity', reason: 'auto: a managed-identity endpoint is available (IDENTITY_ENDPOINT)' };
    const oidcHint = env.ACTIONS_ID_TOKEN_REQUEST_URL
        ? "give 'client-id' and 'tenant-id' for OpenID Connect"
        : "for OpenID Connect give 'client-id' and 'tenant-id' and grant the job 'permissions: id-token: write'";
    throw new parseInputs/* InputError */.dz('auth', 'auto', `no way to sign in was found: ${oidcHint}; or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET; or run azure/login first (auth: cli); or use auth: managed-identity on a self-hosted runner in Azure`);
}
/** The claims of a JWT, read without verifying it (only to explain a rejection). */
function readJwtClaims(token) {
    const payload = token.split('.')[1];
    if (payload === undefined)
        return undefined;
    try {
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    }
    catch {
        return undefined;
    }
}
/** Turns Entra's rejection of a GitHub token into what to register, without ever printing the token. */
function explainFederatedFailure(error, assertion, clientId) {
    const message = error instanceof Error ? error.message : String(error);
    const code = /AADSTS\d+/.exec(message)?.[0];
    const claims = assertion ? readJwtClaims(assertion) : undefined;
    const first = message.split('\n').find((line) => line.includes('AADSTS')) ?? message.split('\n')[0] ?? message;
    const detail = first.replace(/\s+Trace ID:.*$/, '').trim();
    if (claims === undefined)
        return new runAction/* UserFacingError */.Ui(`Azure rejected the sign-in with GitHub OIDC${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
    const audience = Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud;
    return new runAction/* UserFacingError */.Ui(`Azure rejected the GitHub OIDC token${code ? ` (${code})` : ''}: ${detail}. ` +
        `The token has issuer '${claims.iss}', subject '${claims.sub}', audience '${audience}'. ` +
        `Add a federated credential to the app registration ${clientId} (Certificates & secrets > Federated credentials) with issuer '${claims.iss}' and subject '${claims.sub}', audience '${GITHUB_OIDC_AUDIENCE}'.`, { cause: error });
}
class FederatedGitHubCredential {
    tenantId;
    clientId;
    lastAssertion;
    inner;
    assertions = 0;
    constructor(tenantId, clientId, cloud, signIn) {
        this.tenantId = tenantId;
        this.clientId = clientId;
        // MSAL calls back whenever it needs a new access token, so every refresh, hours into a wait,
        // gets a fresh GitHub token instead of the first one, which expires after about ten minutes.
        this.inner = new dist_esm/* ClientAssertionCredential */.XI(tenantId, clientId, async () => {
            const token = await signIn.getIdToken(GITHUB_OIDC_AUDIENCE);
            this.lastAssertion = token;
            this.assertions += 1;
            return token;
        }, { authorityHost: cloud.authorityHost, disableInstanceDiscovery: cloud.custom, ...(signIn.httpClient ? { httpClient: signIn.httpClient } : {}) });
    }
    async getToken(scopes, options) {
        try {
            return await this.inner.getToken(scopes, options);
        }
        catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (/AADSTS/.test(message))
                throw explainFederatedFailure(error, this.lastAssertion, this.clientId);
            throw error;
        }
    }
    get tenant() {
        return this.tenantId;
    }
}
function requireEnv(env, name, why) {
    const value = env[name]?.trim();
    if (!value)
        throw new parseInputs/* InputError */.dz('auth', 'secret', `${why} needs the environment variable ${name}`);
    return value;
}
/** Builds the credential for the chosen method. Reads secrets from the environment only. */
function signIn(inputs, cloud, environment) {
    const { env } = environment;
    const picked = pickAuthMethod(inputs, env);
    const common = {
        authorityHost: cloud.authorityHost,
        disableInstanceDiscovery: cloud.custom,
        ...(environment.httpClient ? { httpClient: environment.httpClient } : {}),
    };
    switch (picked.method) {
        case 'oidc': {
            if (!inputs.clientId || !inputs.tenantId)
                throw new parseInputs/* InputError */.dz('auth', 'oidc', "OpenID Connect needs 'client-id' and 'tenant-id'");
            if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
                throw new parseInputs/* InputError */.dz('auth', 'oidc', "GitHub gives this job no OIDC token: add 'permissions: id-token: write' to the job (pull requests from forks never get one)");
            }
            return {
                credential: new FederatedGitHubCredential(inputs.tenantId, inputs.clientId, cloud, environment),
                method: 'oidc',
                description: `OpenID Connect as app ${inputs.clientId} in tenant ${inputs.tenantId} (${picked.reason})`,
            };
        }
        case 'secret': {
            const tenantId = inputs.tenantId ?? requireEnv(env, 'AZURE_TENANT_ID', 'auth: secret');
            const clientId = inputs.clientId ?? requireEnv(env, 'AZURE_CLIENT_ID', 'auth: secret');
            const secret = requireEnv(env, 'AZURE_CLIENT_SECRET', 'auth: secret');
            return {
                credential: new dist_esm/* ClientSecretCredential */.HC(tenantId, clientId, secret, common),
                method: 'secret',
                description: `client secret of app ${clientId} in tenant ${tenantId} (${picked.reason})`,
            };
        }
        case 'cli':
            return {
                credential: new dist_esm/* AzureCliCredential */.nG(inputs.tenantId ? { tenantId: inputs.tenantId } : {}),
                method: 'cli',
                description: `the Azure CLI's signed-in account (${picked.reason})`,
            };
        case 'managed-identity':
            return {
                credential: new dist_esm/* ManagedIdentityCredential */.NC({ ...(inputs.clientId ? { clientId: inputs.clientId } : {}), ...(environment.httpClient ? { httpClient: environment.httpClient } : {}) }),
                method: 'managed-identity',
                description: `${inputs.clientId ? `the user-assigned managed identity ${inputs.clientId}` : 'the managed identity of this machine'} (${picked.reason})`,
            };
    }
}

// EXTERNAL MODULE: ./node_modules/@azure/core-client/dist/esm/index.js + 16 modules
var core_client_dist_esm = __webpack_require__(5738);
;// CONCATENATED MODULE: ./build/src/azure/retryPolicy.js
// Retries throttled, failing and dropped requests, honouring Retry-After up to a cap, on an injectable clock.

const DEFAULT_RETRY = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 60_000 };
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR']);
/** Milliseconds the response asks to wait (Retry-After in seconds or as a date, or the ms variants). */
function retryAfterMs(response, now) {
    const ms = response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms');
    if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms))
        return Number(ms);
    const value = response.headers.get('retry-after');
    if (value === undefined)
        return undefined;
    if (/^\d+(\.\d+)?$/.test(value.trim()))
        return Number(value) * 1000;
    const date = Date.parse(value);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
function networkCode(error) {
    if (!(0,esm/* isRestError */.T0)(error)) {
        const code = error?.code;
        return typeof code === 'string' && RETRYABLE_CODES.has(code) ? code : undefined;
    }
    if (error.statusCode !== undefined)
        return undefined;
    const causeCode = error.cause?.code;
    if (typeof causeCode === 'string' && RETRYABLE_CODES.has(causeCode))
        return causeCode;
    return error.code !== undefined && RETRYABLE_CODES.has(error.code) ? error.code : undefined;
}
/** Resource Manager's answer to a token that expired before it arrived. */
function expiredToken(response) {
    return /"code"\s*:\s*"ExpiredAuthenticationToken"/.test(response.bodyAsText ?? '') || /error_description="[^"]*expired/i.test(response.headers.get('www-authenticate') ?? '');
}
const RETRY_POLICY_NAME = 'amlftRetryPolicy';
function retryPolicy(options) {
    return {
        name: RETRY_POLICY_NAME,
        async sendRequest(request, next) {
            let signedAgain = false;
            for (let attempt = 0;; attempt++) {
                let response;
                let reason;
                let wait;
                try {
                    response = await next(request);
                    if (response.status === 401 && !signedAgain && expiredToken(response)) {
                        // The token expired on its way (a slow runner, or a clock behind Azure's): the Sign phase, after this
                        // policy, asks for a fresh one on the next attempt. Once only: a second refusal is a real one.
                        signedAgain = true;
                        options.onRetry?.({ method: request.method, url: request.url, attempt: attempt + 1, delayMs: 0, reason: 'HTTP 401 ExpiredAuthenticationToken (signing again)' });
                        attempt--;
                        continue;
                    }
                    if (!RETRYABLE_STATUS.has(response.status))
                        return response;
                    reason = `HTTP ${response.status}`;
                    wait = retryAfterMs(response, options.clock.now());
                }
                catch (error) {
                    const code = networkCode(error);
                    if (code === undefined || request.abortSignal?.aborted)
                        throw error;
                    if (attempt >= options.maxRetries)
                        throw error;
                    reason = code;
                }
                if (attempt >= options.maxRetries)
                    return response;
                const backoff = options.baseDelayMs * 2 ** attempt * (0.8 + 0.4 * Math.random());
                const delayMs = Math.min(options.maxDelayMs, Math.max(0, wait ?? backoff));
                options.onRetry?.({ method: request.method, url: request.url, attempt: attempt + 1, delayMs, reason });
                // Drain the body so the connection can be reused.
                await response?.readableStreamBody?.resume?.();
                await options.clock.sleep(delayMs, request.abortSignal);
            }
        },
    };
}

;// CONCATENATED MODULE: ./build/src/azure/armErrors.js
// Azure Resource Manager errors as one line a user can act on: operation, code, message, request id, and a hint.
class ArmError extends Error {
    operation;
    status;
    code;
    armMessage;
    requestId;
    hint;
    constructor(fields) {
        const parts = [`${fields.operation} failed: ${fields.status} ${fields.code}: ${fields.message}`];
        if (fields.hint)
            parts.push(fields.hint);
        if (fields.requestId)
            parts.push(`(request id ${fields.requestId})`);
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
/** The resource path of a URL, with the ids that matter named, for hints. */
function describeScope(url) {
    try {
        return new URL(url).pathname;
    }
    catch {
        return url;
    }
}
/** A hint for the errors users hit most. Pure: code, message, status and URL in, advice out. */
function hintFor(status, code, message, method, url) {
    const scope = describeScope(url);
    const lower = `${code} ${message}`.toLowerCase();
    if (status === 401)
        return 'the sign-in token was refused: check the tenant, and that the identity exists and is not disabled';
    if (status === 403 || code === 'AuthorizationFailed' || code === 'LinkedAuthorizationFailed') {
        const action = /action '([^']+)'/.exec(message)?.[1];
        const wantsRoleAssignment = /roleAssignments/i.test(scope) || (action !== undefined && /roleAssignments/i.test(action));
        if (wantsRoleAssignment)
            return `the signed-in principal cannot assign roles on ${scope.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/.*$/, '')}; it needs Owner or User Access Administrator there`;
        return `the signed-in principal lacks permission${action ? ` '${action}'` : ''} on ${scope}; grant it a role such as Contributor (or AzureML Data Scientist) on the resource group or workspace`;
    }
    if (code === 'ParentResourceNotFound' || /workspace.*not found|could not find workspace/i.test(message)) {
        return 'check the workspace and resource-group inputs: the workspace does not exist there (create it with the provision action)';
    }
    if (code === 'ResourceGroupNotFound')
        return 'check the resource-group and subscription-id inputs (or set create-resource-group: true in provision)';
    if (code === 'SubscriptionNotFound' || code === 'InvalidSubscriptionId')
        return 'check the subscription-id input and that the identity has access to that subscription';
    if (code === 'MissingSubscriptionRegistration')
        return 'register the resource provider named above on the subscription (the provision action does it)';
    if (/quota/.test(lower)) {
        const family = /(standard\s*\w+\s*family)/i.exec(message)?.[1];
        const region = /\bin (?:region )?'?([a-z]+[0-9]?)'?/i.exec(message)?.[1];
        return `not enough quota${family ? ` for ${family}` : ''}${region ? ` in ${region}` : ''}: request more in Azure ML studio > Quota, or pick another region or VM size`;
    }
    if (status === 409 && method === 'PUT')
        return 'another operation on the same resource is running or it is in a state that forbids this change; wait and re-run';
    if (status === 429)
        return 'Azure is throttling requests; the toolkit retried with back-off and gave up, re-run later';
    return undefined;
}
function armErrorFromResponse(operation, method, url, status, body, requestId) {
    const parsed = (typeof body === 'object' && body !== null ? body : {});
    const inner = parsed.error ?? parsed;
    const code = typeof inner.code === 'string' ? inner.code : `HTTP${status}`;
    const message = typeof inner.message === 'string' ? inner.message : typeof body === 'string' && body.length < 300 ? body : 'no error message in the response';
    return new ArmError({ operation, status, code, message, requestId, hint: hintFor(status, code, message, method, url) });
}

;// CONCATENATED MODULE: ./build/src/azure/armPipeline.js
// The one HTTP pipeline every Azure call goes through: bearer auth, retries, a user agent naming the toolkit.




const TOOLKIT_NAME = 'amlft';
const TOOLKIT_VERSION = '0.1.0';
const USER_AGENT = `${TOOLKIT_NAME}/${TOOLKIT_VERSION}`;
/**
 * A pipeline the generated SDK clients accept as `options.pipeline` (it has core-client's
 * serialization policies and a bearer policy, so they add nothing to it) and that raw JSON calls share.
 */
function createArmTransport(options) {
    const pipeline = (0,core_client_dist_esm/* createClientPipeline */.uc)({
        credentialOptions: { credential: options.credential, credentialScopes: options.scope },
        userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
    // core-client signs before the Retry phase, so every retry would resend the first attempt's token,
    // which can expire during a long back-off. Signing in the Sign phase signs each attempt afresh.
    pipeline.removePolicy({ name: esm/* bearerTokenAuthenticationPolicyName */.uQ });
    pipeline.addPolicy((0,esm/* bearerTokenAuthenticationPolicy */.N$)({ credential: options.credential, scopes: options.scope }), { phase: 'Sign' });
    pipeline.removePolicy({ phase: 'Retry' });
    pipeline.addPolicy(retryPolicy({ ...DEFAULT_RETRY, ...options.retry, clock: options.clock, ...(options.onRetry ? { onRetry: options.onRetry } : {}) }), { phase: 'Retry' });
    return { pipeline, httpClient: options.httpClient ?? (0,esm/* createDefaultHttpClient */.fl)(), clock: options.clock };
}
/** Sends a JSON request through the shared pipeline; a non-2xx answer becomes an ArmError. */
async function sendJson(transport, request) {
    const pipelineRequest = (0,esm/* createPipelineRequest */.G6)({
        url: request.url,
        method: request.method,
        headers: (0,esm/* createHttpHeaders */.Nc)({ accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers }),
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
    });
    const response = await transport.pipeline.sendRequest(transport.httpClient, pipelineRequest);
    let body = undefined;
    const text = response.bodyAsText ?? '';
    if (text !== '') {
        try {
            body = JSON.parse(text);
        }
        catch {
            body = text;
        }
    }
    const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-correlation-request-id') ?? undefined;
    if ((response.status < 200 || response.status >= 300) && !(request.accept ?? []).includes(response.status)) {
        throw armErrorFromResponse(request.operation, request.method, request.url, response.status, body, requestId);
    }
    return { status: response.status, headers: response.headers, body, requestId };
}

// EXTERNAL MODULE: ./node_modules/@azure/arm-machinelearning/dist/index.js
var dist = __webpack_require__(4789);
;// CONCATENATED MODULE: ./build/src/azure/resourceIds.js
// Azure resource ids and URLs built from their parts: one place that knows the paths.
const seg = (value) => encodeURIComponent(value);
function resourceGroupId(ref) {
    return `/subscriptions/${seg(ref.subscriptionId)}/resourceGroups/${seg(ref.resourceGroup)}`;
}
function workspaceId(ref) {
    return `${resourceGroupId(ref)}/providers/Microsoft.MachineLearningServices/workspaces/${seg(ref.workspace)}`;
}
/** An ARM URL for a resource id with its api-version. */
function armUrl(resourceManager, id, apiVersion, extraQuery = {}) {
    const url = new URL(resourceManager + id);
    url.searchParams.set('api-version', apiVersion);
    for (const [name, value] of Object.entries(extraQuery))
        url.searchParams.set(name, value);
    return url.toString();
}
/** Azure ML studio link to a workspace page (studio builds its links from the workspace's ARM id). */
function studioUrl(studio, ref, page = '') {
    const wsid = encodeURIComponent(workspaceId(ref));
    return `${studio}/${page}?wsid=${wsid}`.replace('/?', page === '' ? '/?' : '?');
}
/** A job in a workspace. */
function jobId(ref, name) {
    return `${workspaceId(ref)}/jobs/${seg(name)}`;
}
/** A model version in a workspace. */
function modelVersionId(ref, name, version) {
    return `${workspaceId(ref)}/models/${seg(name)}/versions/${seg(version)}`;
}
/** A managed online endpoint in a workspace. */
function onlineEndpointId(ref, endpoint) {
    return `${workspaceId(ref)}/onlineEndpoints/${seg(endpoint)}`;
}
/** A deployment of a managed online endpoint. */
function onlineDeploymentId(ref, endpoint, deployment) {
    return `${onlineEndpointId(ref, endpoint)}/deployments/${seg(deployment)}`;
}

;// CONCATENATED MODULE: ./build/src/azure/machineLearningClient.js
// The toolkit's one interface to Azure Machine Learning in a workspace, and its real implementation.






const DEFAULT_API_VERSIONS = {
    workspaces: '2024-10-01',
    computes: '2024-10-01',
    quota: '2024-10-01',
    resources: '2021-04-01',
    identities: '2023-01-31',
    roleAssignments: '2022-04-01',
    storageAccounts: '2023-01-01',
    keyVaults: '2023-07-01',
    applicationInsights: '2020-02-02',
    containerRegistries: '2023-07-01',
    mlJobs: '2024-10-01-preview',
    mlModels: '2024-10-01',
    mlEndpoints: '2024-10-01',
};
/**
 * The api-versions in force: the defaults, overridden per family by AMLFT_API_VERSIONS (JSON, e.g.
 * {"workspaces":"2025-01-01-preview"}) — for a sovereign cloud or Azure Stack that lags behind.
 */
function resolveApiVersions(env, overrides = {}) {
    let fromEnv = {};
    const raw = env.AMLFT_API_VERSIONS?.trim();
    if (raw) {
        try {
            fromEnv = JSON.parse(raw);
        }
        catch {
            throw new parseInputs/* InputError */.dz('AMLFT_API_VERSIONS', raw, `expected JSON such as {"workspaces":"2024-10-01"}`);
        }
        for (const [family, version] of Object.entries(fromEnv)) {
            if (!(family in DEFAULT_API_VERSIONS))
                throw new parseInputs/* InputError */.dz('AMLFT_API_VERSIONS', raw, `unknown family '${family}'; families: ${Object.keys(DEFAULT_API_VERSIONS).join(', ')}`);
            if (typeof version !== 'string' || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version))
                throw new parseInputs/* InputError */.dz('AMLFT_API_VERSIONS', raw, `'${String(version)}' for ${family} is not an api-version like 2024-10-01 or 2024-10-01-preview`);
        }
    }
    return { ...DEFAULT_API_VERSIONS, ...fromEnv, ...overrides };
}
/** Runs an SDK call, turning its RestError into an ArmError that names the operation. */
async function armCall(operation, method, url, call) {
    try {
        return await call();
    }
    catch (error) {
        if (!(0,esm/* isRestError */.T0)(error) || error.statusCode === undefined)
            throw error;
        const body = (() => {
            try {
                return JSON.parse(error.response?.bodyAsText ?? '');
            }
            catch {
                return undefined;
            }
        })();
        const code = body?.error?.code ?? error.code ?? `HTTP${error.statusCode}`;
        const message = body?.error?.message ?? error.message;
        const requestId = error.response?.headers.get('x-ms-request-id') ?? undefined;
        throw new ArmError({ operation, status: error.statusCode, code, message, requestId, hint: hintFor(error.statusCode, code, message, method, url) });
    }
}
async function orUndefinedOn404(call) {
    try {
        return await call();
    }
    catch (error) {
        if (error instanceof ArmError && error.status === 404)
            return undefined;
        throw error;
    }
}
function createMachineLearningWorkspace(ref, cloud, credential, transport, apiVersions = DEFAULT_API_VERSIONS) {
    const sdk = new dist/* AzureMachineLearningWorkspaces */.FQ(credential, ref.subscriptionId, {
        pipeline: transport.pipeline,
        httpClient: transport.httpClient,
        endpoint: cloud.resourceManager,
        $host: cloud.resourceManager,
        credentialScopes: [cloud.armScope],
    });
    const wsUrl = `${cloud.resourceManager}${workspaceId(ref)}`;
    const { resourceGroup: rg, workspace: ws } = ref;
    return {
        ref,
        async getWorkspace() {
            // Raw JSON: the SDK's model has no `kind`, and its serializer would drop it.
            const response = await sendJson(transport, { method: 'GET', url: armUrl(cloud.resourceManager, workspaceId(ref), apiVersions.workspaces), operation: `read workspace '${ws}'` });
            const w = response.body;
            return {
                id: w.id ?? workspaceId(ref),
                name: w.name ?? ws,
                location: w.location ?? '',
                workspaceGuid: w.properties?.workspaceId ?? '',
                ...(w.properties?.storageAccount ? { storageAccount: w.properties.storageAccount } : {}),
                ...(w.properties?.containerRegistry ? { containerRegistry: w.properties.containerRegistry } : {}),
                ...(w.kind ? { kind: w.kind } : {}),
            };
        },
        async getBlobDatastore(name) {
            const url = `${wsUrl}/datastores/${name}`;
            const d = await armCall(`read datastore '${name}'`, 'GET', url, () => sdk.datastores.get(rg, ws, name));
            const p = d.properties;
            if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
                throw new ArmError({ operation: `read datastore '${name}'`, status: 200, code: 'UnsupportedDatastore', message: `datastore '${name}' is ${p.datastoreType ?? 'of an unknown type'}, not Azure Blob storage` });
            }
            return { name, accountName: p.accountName, containerName: p.containerName, endpoint: p.endpoint ?? cloud.storageSuffix, protocol: p.protocol ?? 'https' };
        },
        async getDatastoreSecret(name) {
            const url = `${wsUrl}/datastores/${name}/listSecrets`;
            try {
                const s = await armCall(`read the credentials of datastore '${name}'`, 'POST', url, () => sdk.datastores.listSecrets(rg, ws, name));
                if (s.secretsType === 'AccountKey' && 'key' in s && typeof s.key === 'string')
                    return { kind: 'account-key', key: s.key };
                if (s.secretsType === 'Sas' && 'sasToken' in s && typeof s.sasToken === 'string')
                    return { kind: 'sas', token: s.sasToken };
                return undefined;
            }
            catch (error) {
                // Credential-less datastores, or an identity without listSecrets: fall back to Entra ID.
                if (error instanceof ArmError && (error.status === 403 || error.status === 400 || error.status === 404))
                    return undefined;
                throw error;
            }
        },
        async getDataVersion(name, version) {
            const url = `${wsUrl}/data/${name}/versions/${version}`;
            const d = await orUndefinedOn404(() => armCall(`read data asset ${name}:${version}`, 'GET', url, () => sdk.dataVersions.get(rg, ws, name, version)));
            if (d === undefined)
                return undefined;
            return { name, version, dataUri: d.properties.dataUri, tags: (d.properties.tags ?? {}) };
        },
        async createDataVersion(asset) {
            const url = `${wsUrl}/data/${asset.name}/versions/${asset.version}`;
            const d = await armCall(`register data asset ${asset.name}:${asset.version}`, 'PUT', url, () => sdk.dataVersions.createOrUpdate(rg, ws, asset.name, asset.version, {
                properties: { dataType: 'uri_file', dataUri: asset.dataUri, tags: asset.tags, ...(asset.description ? { description: asset.description } : {}) },
            }));
            return { name: asset.name, version: asset.version, dataUri: d.properties.dataUri, tags: (d.properties.tags ?? {}) };
        },
    };
}

;// CONCATENATED MODULE: ./build/src/azure/azureSession.js
// Connects to Azure from the sign-in inputs: the cloud, one credential, one transport, the workspace client.





/** Reads a custom Resource Manager's published endpoints (Azure Stack style); unauthenticated. */
async function readCloudMetadata(resourceManager, httpClient) {
    try {
        const url = `${resourceManager.replace(/\/+$/, '')}/metadata/endpoints?api-version=2022-09-01`;
        const response = await httpClient.sendRequest((0,esm/* createPipelineRequest */.G6)({ url, method: 'GET', headers: (0,esm/* createHttpHeaders */.Nc)({ accept: 'application/json' }), timeout: 15_000 }));
        if (response.status !== 200 || !response.bodyAsText)
            return undefined;
        const body = JSON.parse(response.bodyAsText);
        return {
            ...(body.authentication?.loginEndpoint ? { loginEndpoint: body.authentication.loginEndpoint } : {}),
            ...(body.authentication?.audiences ? { audiences: body.authentication.audiences } : {}),
            ...(body.portal ? { portal: body.portal } : {}),
        };
    }
    catch {
        return undefined;
    }
}
async function connectAzure(inputs, options) {
    const apiVersions = resolveApiVersions(options.env, options.apiVersions);
    const httpClient = options.httpClient ?? (0,esm/* createDefaultHttpClient */.fl)();
    const metadata = isCustomCloudInput(inputs.cloud) ? await readCloudMetadata(inputs.cloud, httpClient) : undefined;
    const cloud = resolveCloud(inputs.cloud, options.env, metadata);
    const signedIn = signIn(inputs, cloud, { ...options, httpClient });
    options.log?.(`Signing in with ${signedIn.description}`);
    const transport = createArmTransport({
        credential: signedIn.credential,
        scope: cloud.armScope,
        clock: options.clock,
        httpClient,
        onRetry: (info) => options.log?.(`${info.method} ${new URL(info.url).pathname}: ${info.reason}, retry ${info.attempt} in ${(info.delayMs / 1000).toFixed(1)} s`),
    });
    return {
        cloud,
        credential: signedIn.credential,
        signInDescription: signedIn.description,
        transport,
        workspace: createMachineLearningWorkspace({ subscriptionId: inputs.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspace }, cloud, signedIn.credential, transport, apiVersions),
        httpClient,
    };
}

// EXTERNAL MODULE: ./node_modules/@azure/storage-blob/dist/esm/index.js + 154 modules
var storage_blob_dist_esm = __webpack_require__(5658);
;// CONCATENATED MODULE: ./build/src/azure/blobStorage.js
// Blob storage behind one small interface: does a blob exist, upload a file. Real one over @azure/storage-blob.

/**
 * The blob service URL of a datastore: https://<account>.blob.<suffix>, or path-style
 * https://<host:port>/<account> when the endpoint is a host with a port or an IP (Azurite, the emulator).
 */
function blobServiceUrl(datastore) {
    const protocol = datastore.protocol || 'https';
    const endpoint = datastore.endpoint.replace(/^\w+:\/\//, '').replace(/\/+$/, '');
    const pathStyle = /:\d+$/.test(endpoint) || /^\d{1,3}(\.\d{1,3}){3}$/.test(endpoint) || endpoint === 'localhost';
    return pathStyle ? `${protocol}://${endpoint}/${datastore.accountName}` : `${protocol}://${datastore.accountName}.blob.${endpoint}`;
}
function createBlobContainer(access) {
    const serviceUrl = blobServiceUrl(access.datastore);
    // TLS trust comes from NODE_EXTRA_CA_CERTS, as for every client (storage-blob takes no modern HttpClient).
    const options = {
        retryOptions: { maxTries: 6, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 },
        userAgentOptions: { userAgentPrefix: 'amlft' },
    };
    const service = access.secret?.kind === 'account-key'
        ? new storage_blob_dist_esm/* BlobServiceClient */.wS(serviceUrl, new storage_blob_dist_esm/* StorageSharedKeyCredential */.Z3(access.datastore.accountName, access.secret.key), options)
        : access.secret?.kind === 'sas'
            ? new storage_blob_dist_esm/* BlobServiceClient */.wS(`${serviceUrl}?${access.secret.token.replace(/^\?/, '')}`, new storage_blob_dist_esm/* AnonymousCredential */.tv(), options)
            : new storage_blob_dist_esm/* BlobServiceClient */.wS(serviceUrl, access.credential, options);
    const container = service.getContainerClient(access.datastore.containerName);
    return {
        url: `${serviceUrl}/${access.datastore.containerName}`,
        async stat(path) {
            const blob = container.getBlobClient(path);
            try {
                const properties = await blob.getProperties();
                return { size: properties.contentLength ?? 0, metadata: properties.metadata ?? {} };
            }
            catch (error) {
                if (error.statusCode === 404)
                    return undefined;
                throw error;
            }
        },
        async uploadFile(path, file, upload) {
            await container.getBlockBlobClient(path).uploadFile(file, {
                blockSize: upload.blockSize,
                concurrency: upload.concurrency,
                maxSingleShotSize: upload.singleShotBytes,
                metadata: upload.metadata,
                blobHTTPHeaders: { blobContentType: upload.contentType },
            });
        },
    };
}

;// CONCATENATED MODULE: ./build/src/dataset/datasetStore.js
// Connects the dataset upload to Azure: the workspace, its datastore, and a blob container with the datastore's credential.


/** The real connector. `maskSecret` hides the datastore key from every log line before it is used. */
function datasetStoreConnector(options) {
    return async (upload) => {
        const session = await connectAzure(upload.signIn, options);
        const datastore = await session.workspace.getBlobDatastore(upload.datastore);
        const secret = await session.workspace.getDatastoreSecret(upload.datastore);
        if (secret?.kind === 'account-key')
            options.maskSecret(secret.key);
        if (secret?.kind === 'sas')
            options.maskSecret(secret.token);
        if (secret === undefined)
            options.log?.(`datastore '${upload.datastore}' gives no credential to this identity; uploading with Entra ID (needs Storage Blob Data Contributor on ${datastore.accountName})`);
        return {
            workspace: session.workspace,
            container: createBlobContainer({ datastore, secret, credential: session.credential }),
            signedInAs: session.signInDescription,
        };
    };
}


/***/ })

};
