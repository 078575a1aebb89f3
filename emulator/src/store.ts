// The emulator's memory: ARM resources by id, long-running operations, and a lazy clock of scheduled transitions.

import { randomUUID } from 'node:crypto';

/** Resource bodies are JSON whose shape each resource family owns; `any` keeps the handlers readable. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface StoredResource {
  /** The ARM id, in the casing it was created with. */
  readonly id: string;
  readonly name: string;
  /** Full type, e.g. `Microsoft.MachineLearningServices/workspaces/onlineEndpoints`. */
  readonly type: string;
  /** What a GET returns (secrets the service hides are kept in `secrets`). */
  body: Json;
  secrets: Json;
  /** Family-specific bookkeeping (job history, deployment logs, ...). */
  runtime: Json;
  readonly createdAt: number;
}

export type OperationStatus = 'Updating' | 'Succeeded' | 'Failed' | 'Canceled';

export interface Operation {
  readonly id: string;
  readonly resourceId: string;
  readonly subscriptionId: string;
  readonly location: string;
  readonly kind: 'create' | 'update' | 'delete';
  status: OperationStatus;
  readonly startTime: number;
  endTime?: number;
  error?: { code: string; message: string };
  /** HTTP status a Location poll answers once the operation failed. */
  failureStatus?: number;
  /** What a Location poll answers once an update succeeded (deletes answer no body). */
  result?: () => unknown;
}

interface Scheduled {
  readonly seq: number;
  readonly dueAt: number;
  readonly run: (at: number) => void;
  cancelled: boolean;
}

const key = (id: string) => id.toLowerCase().replace(/\/+$/, '');

export class Store {
  private readonly resources = new Map<string, StoredResource>();
  private readonly operations = new Map<string, Operation>();
  private scheduled: Scheduled[] = [];
  private seq = 0;

  get(id: string): StoredResource | undefined {
    return this.resources.get(key(id));
  }

  has(id: string): boolean {
    return this.resources.has(key(id));
  }

  put(resource: Omit<StoredResource, 'createdAt' | 'secrets' | 'runtime'> & Partial<Pick<StoredResource, 'secrets' | 'runtime'>>): StoredResource {
    const existing = this.get(resource.id);
    const stored: StoredResource = {
      secrets: {},
      runtime: {},
      ...resource,
      id: existing?.id ?? resource.id,
      name: existing?.name ?? resource.name,
      createdAt: existing?.createdAt ?? Date.now(),
    };
    this.resources.set(key(resource.id), stored);
    return stored;
  }

  /** Removes the resource and everything nested below it. */
  delete(id: string): void {
    const prefix = `${key(id)}/`;
    this.resources.delete(key(id));
    for (const k of [...this.resources.keys()]) if (k.startsWith(prefix)) this.resources.delete(k);
  }

  /** Direct children of `parentId` in the collection `segment` (e.g. `onlineEndpoints`), in creation order. */
  children(parentId: string, segment: string): StoredResource[] {
    const prefix = `${key(parentId)}/${segment.toLowerCase()}/`;
    return [...this.resources.entries()].filter(([k]) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).map(([, r]) => r);
  }

  all(type?: string): StoredResource[] {
    const wanted = type?.toLowerCase();
    return [...this.resources.values()].filter((r) => !wanted || r.type.toLowerCase() === wanted);
  }

  startOperation(op: Omit<Operation, 'id' | 'status' | 'startTime'>): Operation {
    const operation: Operation = { ...op, id: randomUUID(), status: 'Updating', startTime: Date.now() };
    this.operations.set(operation.id, operation);
    return operation;
  }

  operation(id: string): Operation | undefined {
    return this.operations.get(id);
  }

  allOperations(): Operation[] {
    return [...this.operations.values()];
  }

  /** Runs `run` once the clock passes `dueAt` (checked lazily by `settle`). Returns a cancel function. */
  schedule(dueAt: number, run: (at: number) => void): () => void {
    const item: Scheduled = { seq: this.seq++, dueAt, run, cancelled: false };
    if (Number.isFinite(dueAt)) this.scheduled.push(item);
    return () => {
      item.cancelled = true;
    };
  }

  /** Applies, in time order, every transition due by `now`; transitions may schedule more. */
  settle(now = Date.now()): void {
    for (;;) {
      const due = this.scheduled.filter((s) => !s.cancelled && s.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq)[0];
      if (!due) break;
      this.scheduled = this.scheduled.filter((s) => s !== due && !s.cancelled);
      due.run(due.dueAt);
    }
  }
}
