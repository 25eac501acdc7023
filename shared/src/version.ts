/** The product version both gateways report (healthz, link hello, --version); kept equal to package.json by a test. */
export const AIRLOCK_VERSION = '0.1.0';
