// Connects the dataset upload to Azure: the workspace, its datastore, and a blob container with the datastore's credential.

import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { createBlobContainer, type BlobContainer } from '../azure/blobStorage.js';
import type { MachineLearningWorkspace } from '../azure/machineLearningClient.js';
import type { UploadInputs } from './datasetInputs.js';

export interface DatasetStore {
  readonly workspace: MachineLearningWorkspace;
  readonly container: BlobContainer;
  /** How the session signed in, for the log. */
  readonly signedInAs: string;
}

export type ConnectDatasetStore = (upload: UploadInputs) => Promise<DatasetStore>;

/** The real connector. `maskSecret` hides the datastore key from every log line before it is used. */
export function datasetStoreConnector(options: SessionOptions & { readonly maskSecret: (value: string) => void }): ConnectDatasetStore {
  return async (upload) => {
    const session = await connectAzure(upload.signIn, options);
    const datastore = await session.workspace.getBlobDatastore(upload.datastore);
    const secret = await session.workspace.getDatastoreSecret(upload.datastore);
    if (secret?.kind === 'account-key') options.maskSecret(secret.key);
    if (secret?.kind === 'sas') options.maskSecret(secret.token);
    if (secret === undefined) options.log?.(`datastore '${upload.datastore}' gives no credential to this identity; uploading with Entra ID (needs Storage Blob Data Contributor on ${datastore.accountName})`);
    return {
      workspace: session.workspace,
      container: createBlobContainer({ datastore, secret, credential: session.credential }),
      signedInAs: session.signInDescription,
    };
  };
}
