// Puts validated dataset files in the workspace's default datastore, content-addressed, and registers them as data assets.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BlobContainer } from '../azure/blobStorage.js';
import type { MachineLearningWorkspace } from '../azure/machineLearningClient.js';

export interface DatasetFile {
  readonly role: 'train' | 'validation';
  readonly path: string;
  /** How the file is named in tags and logs (relative to the repository). */
  readonly displayPath: string;
}

export interface UploadSettings {
  /** Data assets are named <dataName>-train and <dataName>-validation. */
  readonly dataName: string;
  readonly datastore: string;
  /** Tags linking the asset to the repository, commit and run. */
  readonly tags: Record<string, string>;
  readonly blockSize?: number;
  readonly concurrency?: number;
  readonly log?: (message: string) => void;
}

export interface UploadedDataset {
  readonly role: 'train' | 'validation';
  readonly assetName: string;
  readonly assetVersion: string;
  /** `azureml:<name>:<version>`: usable as a job input. */
  readonly assetId: string;
  /** `azureml://datastores/<ds>/paths/<path>`. */
  readonly datastoreUri: string;
  readonly sha256: string;
  readonly bytes: number;
  /** False when the same content was already in the datastore. */
  readonly uploaded: boolean;
  /** False when the asset version already existed. */
  readonly registered: boolean;
}

const ASSET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,253}$/;

/** Turns free text (a repository name) into a valid data asset name. */
export function sanitizeAssetName(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_.-]+/g, '-').replace(/^[^a-zA-Z0-9]+/, '').replace(/-+$/, '');
  return (cleaned || 'amlft-chat').slice(0, 200);
}

export function isValidAssetName(name: string): boolean {
  return ASSET_NAME.test(name);
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Where a file's content lives in the datastore: the same bytes always map to the same path. */
export function contentPath(sha256: string, fileName: string): string {
  return `amlft/datasets/${sha256}/${fileName}`;
}

/** The data asset version for a content hash: the same bytes always get the same version. */
export function contentVersion(sha256: string): string {
  return sha256.slice(0, 16);
}

export async function uploadDatasetFiles(files: readonly DatasetFile[], workspace: MachineLearningWorkspace, container: BlobContainer, settings: UploadSettings): Promise<UploadedDataset[]> {
  const results: UploadedDataset[] = [];
  for (const file of files) {
    const [sha256, info] = await Promise.all([sha256OfFile(file.path), stat(file.path)]);
    const fileName = basename(file.path);
    const path = contentPath(sha256, fileName);
    const datastoreUri = `azureml://datastores/${settings.datastore}/paths/${path}`;
    const existing = await container.stat(path);
    let uploaded = false;
    if (existing !== undefined && existing.size === info.size) {
      settings.log?.(`${file.displayPath}: already in datastore ${settings.datastore} at ${path} (same SHA-256), not uploaded again`);
    } else {
      const started = performance.now();
      await container.uploadFile(path, file.path, {
        singleShotBytes: 8 * 1024 * 1024,
        blockSize: settings.blockSize ?? 8 * 1024 * 1024,
        concurrency: settings.concurrency ?? 8,
        metadata: { sha256, source: 'amlft' },
        contentType: 'application/jsonl',
      });
      uploaded = true;
      const seconds = (performance.now() - started) / 1000;
      settings.log?.(`${file.displayPath}: uploaded ${(info.size / 1048576).toFixed(1)} MiB to ${settings.datastore}/${path} in ${seconds.toFixed(1)} s`);
    }
    const assetName = `${settings.dataName}-${file.role}`;
    const assetVersion = contentVersion(sha256);
    const found = await workspace.getDataVersion(assetName, assetVersion);
    let registered = false;
    if (found === undefined) {
      await workspace.createDataVersion({
        name: assetName,
        version: assetVersion,
        dataUri: datastoreUri,
        tags: { ...settings.tags, file: file.displayPath, sha256 },
        description: `${file.role} data from ${file.displayPath}, registered by amlft`,
      });
      registered = true;
      settings.log?.(`registered data asset ${assetName}:${assetVersion}`);
    } else {
      settings.log?.(`data asset ${assetName}:${assetVersion} already registered (same content), reused`);
    }
    results.push({ role: file.role, assetName, assetVersion, assetId: `azureml:${assetName}:${assetVersion}`, datastoreUri: found?.dataUri ?? datastoreUri, sha256, bytes: info.size, uploaded, registered });
  }
  return results;
}
