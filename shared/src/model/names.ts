/** Names of sites, assets and profiles: what an OT owner can type in a policy file. */
import { z } from 'zod';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const nameSchema = z
  .string()
  .regex(NAME_PATTERN, 'expected a lowercase name: letters, digits, ".", "_", "-" (max 63)');
