// Blob storage behind one small interface: does a blob exist, upload a file. Real one over @azure/storage-blob.

import { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import type { BlobDatastoreInfo, DatastoreSecret } from './machineLearningClient.js';

export interface BlobInfo {
  readonly size: number;
  readonly metadata: Record<string, string>;
}

export interface UploadOptions {
  /** Files larger than this go up in parallel blocks of `blockSize`. */
  readonly singleShotBytes: number;
  readonly blockSize: number;
  readonly concurrency: number;
  readonly metadata: Record<string, string>;
  readonly contentType: string;
}

export interface BlobContainer {
  /** The container's URL, without credentials. */
  readonly url: string;
  stat(path: string): Promise<BlobInfo | undefined>;
  uploadFile(path: string, file: string, options: UploadOptions): Promise<void>;
}

/**
 * The blob service URL of a datastore: https://<account>.blob.<suffix>, or path-style
 * https://<host:port>/<account> when the endpoint is a host with a port or an IP (Azurite, the emulator).
 */
export function blobServiceUrl(datastore: Pick<BlobDatastoreInfo, 'accountName' | 'endpoint' | 'protocol'>): string {
  const protocol = datastore.protocol || 'https';
  const endpoint = datastore.endpoint.replace(/^\w+:\/\//, '').replace(/\/+$/, '');
  const pathStyle = /:\d+$/.test(endpoint) || /^\d{1,3}(\.\d{1,3}){3}$/.test(endpoint) || endpoint === 'localhost';
  return pathStyle ? `${protocol}://${endpoint}/${datastore.accountName}` : `${protocol}://${datastore.accountName}.blob.${endpoint}`;
}

export interface BlobAccess {
  readonly datastore: BlobDatastoreInfo;
  /** From the datastore's listSecrets; undefined: sign in with `credential` (Storage Blob Data Contributor needed). */
  readonly secret: DatastoreSecret | undefined;
  readonly credential: TokenCredential;
}

export function createBlobContainer(access: BlobAccess): BlobContainer {
  const serviceUrl = blobServiceUrl(access.datastore);
  // TLS trust comes from NODE_EXTRA_CA_CERTS, as for every client (storage-blob takes no modern HttpClient).
  const options: StoragePipelineOptions = {
    retryOptions: { maxTries: 6, retryDelayInMs: 1000, maxRetryDelayInMs: 30_000 },
    userAgentOptions: { userAgentPrefix: 'amlft' },
  };
  const service =
    access.secret?.kind === 'account-key'
      ? new BlobServiceClient(serviceUrl, new StorageSharedKeyCredential(access.datastore.accountName, access.secret.key), options)
      : access.secret?.kind === 'sas'
        ? new BlobServiceClient(`${serviceUrl}?${access.secret.token.replace(/^\?/, '')}`, new AnonymousCredential(), options)
        : new BlobServiceClient(serviceUrl, access.credential, options);
  const container = service.getContainerClient(access.datastore.containerName);
  return {
    url: `${serviceUrl}/${access.datastore.containerName}`,
    async stat(path) {
      const blob = container.getBlobClient(path);
      try {
        const properties = await blob.getProperties();
        return { size: properties.contentLength ?? 0, metadata: properties.metadata ?? {} };
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
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
