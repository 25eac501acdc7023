/**
 * node-opcua prints its warnings and errors with console.log, on stdout, which for the OT command
 * line is command output (`airlock-ot discover --json` must print only its JSON; the first probe
 * otherwise prints "Creating default certificate ... please wait" before it). This module sends
 * them to the structured log on stderr instead. It is imported, for that effect only, by the module
 * every node-opcua user here loads first (opcua-plant-client.ts), so it runs before node-opcua
 * can print anything of ours.
 *
 * Not guaranteed: node-opcua's debug and trace output (off unless its DEBUG variables are set).
 */
import { format } from 'node:util';
import { setErrorLogger, setWarningLogger } from 'node-opcua';
import { createLogger } from '../../../../shared/src/log.js';

const log = createLogger({ name: 'airlock-ot', level: 'warn' }).child({ area: 'node-opcua' });
setWarningLogger((_where, ...rest) => log.warn('node-opcua', { text: format(...rest) }));
setErrorLogger((_where, ...rest) => log.error('node-opcua', { text: format(...rest) }));
