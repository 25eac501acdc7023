/**
 * What every ITSM connector offers: look a ticket up, and add a work note to it. A connector never
 * decides on policy for the table API (ticket-policy.ts does, from the record it returns); the
 * webhook decides itself and says why. Failures are `ItsmError`s with a code naming the problem
 * (`itsm.timeout`, `itsm.unreachable`, `itsm.http_status`, `itsm.malformed`); their messages
 * never carry a credential or a response body beyond the field that was wrong.
 */
import { AirlockError } from '../../../shared/src/errors.js';

/** The key fields of a change or incident record, as kept with a request. */
export interface TicketRecord {
  readonly number: string;
  readonly kind: 'change' | 'incident' | 'other';
  /** The state as the ITSM shows it ("Implement"), and its raw value ("-1") when they differ. */
  readonly state: string;
  readonly stateValue: string | null;
  readonly assignedTo: string | null;
  /** Planned start and end (epoch ms), when the record has them. */
  readonly plannedStart: number | null;
  readonly plannedEnd: number | null;
  /** The configuration items the record names (its main CI and its affected CIs). */
  readonly cis: readonly string[];
}

/** What is asked of the ITSM about one request. */
export interface TicketQuery {
  readonly ticket: string;
  readonly site: string;
  readonly requester: string;
  readonly assets: readonly { readonly asset: string; readonly ci: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly stage: 'request' | 'approval';
  readonly requestId: string | null;
}

export type LookupAnswer =
  /** A table-API record: policy decides on it. */
  | { readonly type: 'record'; readonly record: TicketRecord }
  /** No record with that number. */
  | { readonly type: 'missing' }
  /** The webhook decided, with its reason (and a record when it sent one). */
  | {
      readonly type: 'decision';
      readonly allow: boolean;
      readonly reason: string;
      readonly record: TicketRecord | null;
    };

export interface ItsmConnector {
  readonly name: string;
  readonly type: 'table-api' | 'webhook';
  lookup(q: TicketQuery): Promise<LookupAnswer>;
  addWorkNote(ticket: string, note: string): Promise<void>;
}

export type ItsmFailure =
  'itsm.timeout' | 'itsm.unreachable' | 'itsm.http_status' | 'itsm.malformed';

/** The ITSM could not give a usable answer. `malformed` is not an outage: it is never waved through. */
export class ItsmError extends AirlockError {
  constructor(
    readonly failure: ItsmFailure,
    message: string,
    cause?: unknown,
  ) {
    super('unavailable', failure, message, cause === undefined ? {} : { cause });
  }
}
