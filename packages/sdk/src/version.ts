/** This package's version. */
export const SDK_VERSION = '0.1.0';

/** The `pnsdk` query parameter every request carries. */
export const PNSDK = `Roster-TS/${SDK_VERSION}`;
