/**
 * The appliance test's network: four namespaces, each link a /24 of its own (corp - it, it - ot,
 * ot - plant); nothing is routed between links, so a namespace reaches only its neighbours.
 */
export const ADDRESS = {
  corp: '10.77.1.1',
  itForCorp: '10.77.1.2',
  itForOt: '10.77.2.1',
  ot: '10.77.2.2',
  otForPlant: '10.77.3.1',
  plant: '10.77.3.2',
} as const;

/** What the OT gateway's firewall config names as the plant. */
export const PLANT_SUBNET = '10.77.3.0/24';
