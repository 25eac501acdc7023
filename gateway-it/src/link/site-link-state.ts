/**
 * What the IT gateway knows about each site's OT gateway link, for /healthz, the API and the
 * portal. The link server (link/) is the only writer; everything else reads through this interface.
 */
export type LinkState = 'not-enrolled' | 'offline' | 'online' | 'revoked';

export interface SiteLinkState {
  readonly state: LinkState;
  /** Epoch ms of the last frame received from the OT gateway, or null if never. */
  readonly lastSeen: number | null;
  readonly gatewayVersion: string | null;
  /** OT clock minus IT clock, measured from heartbeats (ms); null until measured. */
  readonly clockOffsetMs: number | null;
}

export interface SiteLinkStates {
  get(site: string): SiteLinkState;
}

/** Before any OT gateway has enrolled, every site is simply not enrolled. */
export const noSiteLinks: SiteLinkStates = {
  get: () => ({ state: 'not-enrolled', lastSeen: null, gatewayVersion: null, clockOffsetMs: null }),
};
