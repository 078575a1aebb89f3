// What every stand-in shares at run time: options, the store, signing keys, URLs, Azurite and counters.

import type { AzuriteHandle } from './azurite.js';
import type { FaultEngine } from './faults.js';
import type { ResolvedOptions } from './options.js';
import type { Store } from './store.js';
import type { SigningKey } from './tokens.js';
import type { GithubStore } from './githubStandIn.js';

export interface Counters {
  /** Access tokens the Entra stand-in issued (client secret or client assertion). */
  entraTokens: number;
  /** Tokens the managed-identity endpoint issued. */
  managedIdentityTokens: number;
  /** GitHub Actions OIDC ID tokens issued. */
  githubIdTokens: number;
}

export interface ScoringStats {
  /** Requests answered per `<endpoint>/<deployment>` (endpoint name as created). */
  served: Record<string, number>;
  /** Mirrored (shadow) copies per `<endpoint>/<deployment>`. */
  mirrored: Record<string, number>;
}

export interface EmulatorCore {
  readonly options: ResolvedOptions;
  readonly store: Store;
  readonly faults: FaultEngine;
  readonly entraKey: SigningKey;
  readonly githubKey: SigningKey;
  readonly github: GithubStore;
  readonly counters: Counters;
  readonly scoring: ScoringStats;
  /** https://127.0.0.1:<port> */
  url: string;
  /** http://127.0.0.1:<port2> */
  githubUrl: string;
  azurite: AzuriteHandle | undefined;
  /** Work to finish before `stop()` returns (e.g. blobs being written). */
  readonly background: Set<Promise<unknown>>;
  /** Every secret handed out or held, so tests can search logs for leaks. */
  readonly secrets: Set<string>;
}

/** Runs a best-effort background task (writing blobs to Azurite) that `stop()` waits for. */
export function inBackground(core: EmulatorCore, task: () => Promise<unknown>): void {
  const promise = task()
    .catch(() => undefined)
    .finally(() => core.background.delete(promise));
  core.background.add(promise);
}
