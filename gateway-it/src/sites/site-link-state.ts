/**
 * What the IT gateway knows about each site's OT gateway link, for /healthz, the API and the
 * portal. Declared here so readers need not know the link: the link server (link/) implements it
 * and is the only writer; everything else reads through this interface.
 */
export type LinkState = 'not-enrolled' | 'offline' | 'online' | 'revoked';

export interface SiteLinkState {
  readonly state: LinkState;
  /** Epoch ms of the last frame received from the OT gateway, or null if never. */
  readonly lastSeen: number | null;
  readonly gatewayVersion: string | null;
  /** OT clock minus IT clock, measured from heartbeats (ms); null until measured. */
  readonly clockOffsetMs: number | null;
  /** Round trip of the last heartbeat (ms) while online, once measured. */
  readonly roundTripMs?: number;
}

export interface SiteLinkStates {
  get(site: string): SiteLinkState;
}
