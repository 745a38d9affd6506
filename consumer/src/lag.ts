// The lag reader lives in lib now (the dashboard reads the DLQ's offsets with it too); the API
// routes still take its type from here.
export type { LagView } from '@hookpipe/lib';
