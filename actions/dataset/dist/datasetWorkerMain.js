// Worker entry for the compiled library (build/): the action bundles act as their own worker instead.
import { runDatasetWorker } from './datasetWorker.js';
runDatasetWorker();
