// The dashboard's backend as the consumer mounts it (docs/dashboard.md); the page is in ../public.
export { DEFAULT_ASSETS_DIR, loadDashboardAssets, type DashboardAsset } from './assets.js';
export { parseDashboardConfig, type DashboardConfig } from './config.js';
export { DASHBOARD_OPEN_PATHS, registerDashboardRoutes, type DashboardDeps } from './routes.js';
export type { DashboardState } from './state.js';
export type { ReceiverTotals } from './schema.js';
export { makeDashboard, type DashboardOptions } from './wire.js';
