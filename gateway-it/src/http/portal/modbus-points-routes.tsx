/**
 * Portal routes of the Modbus points page (`/assets/<site>/<asset>/points`): GET reads the points
 * the grant's profile allows, POST writes one point (CSRF-checked by csrf.ts like every form) and
 * reads again. Each request is one operator session opened through OperatorSessions, so a user
 * without a usable grant, a locked-down or offline site gets the same refusal as `ssh -L` (403 or
 * 503, audited `session.deny`). Form values are parsed here: unit 0..255, a table that can be
 * written, address 0..65535, a coil 0/1, a register 0..65535 (or -32768..-1, sent as int16).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { ModbusPoints } from '../../../../shared/src/model/modbus-points.js';
import { nameSchema } from '../../../../shared/src/model/session-ticket.js';
import type { Modbus, PointAction } from '../../modbus/modbus.js';
import { parseFormBody } from '../body.js';
import { badRequest } from '../error-response.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';
import { PointsPage } from './modbus-points-pages.js';
import { page, viewer, type PortalContext, type Viewer } from './portal-context.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

const wholeNumber = (field: string, lo: number, hi: number, hint: string) =>
  z
    .string()
    .trim()
    .regex(/^-?\d{1,6}$/, `${field}: ${hint}`)
    .transform(Number)
    .refine((n) => n >= lo && n <= hi, `${field}: ${hint}`);

const writeForm = z
  .strictObject({
    unit: wholeNumber('unit', 0, 255, 'a unit id 0..255'),
    table: z.enum(['coils', 'holdingRegisters'], {
      message: 'table: only coils and holding registers can be written',
    }),
    address: wholeNumber('address', 0, 65535, 'an address 0..65535'),
    value: z.string().trim(),
  })
  .transform((f, ctx) => {
    const coil = f.table === 'coils';
    const parsed = (
      coil
        ? wholeNumber('value', 0, 1, 'a coil takes 0 (off) or 1 (on)')
        : wholeNumber(
            'value',
            -32768,
            65535,
            'a register takes a whole number 0..65535 (or -32768..-1 for a signed register)',
          )
    ).safeParse(f.value);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: parsed.error.issues[0]?.message ?? 'value: not a number',
      });
      return z.NEVER;
    }
    return {
      unit: f.unit,
      write: { table: f.table, address: f.address, value: parsed.data & 0xffff },
    };
  });

function nameParam(value: string, what: string): string {
  const r = nameSchema.safeParse(value);
  if (!r.success) throw new AirlockError('not_found', 'http.not_found', `no ${what} ${value}`);
  return r.data;
}

/** The unit asked for, if the profile lists it; else its first unit other than broadcast 0. */
function unitChooser(asked: number | undefined): (p: ModbusPoints) => number {
  return (p) => {
    if (asked !== undefined) {
      if (!p.unitIds.includes(asked))
        throw badRequest([
          {
            path: 'unit',
            message: `unit ${asked} is not one of this profile's units (${p.unitIds.join(', ')})`,
          },
        ]);
      return asked;
    }
    return p.unitIds.find((u) => u !== 0) ?? p.unitIds[0] ?? 1;
  };
}

export function modbusPointsRoutes(
  s: AccessHttpServices,
  modbus: Modbus,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();

  const act = async (
    c: PortalContext,
    v: Viewer,
    unit: number | undefined,
    write: PointAction['write'],
  ) => {
    const site = nameParam(c.req.param('site') ?? '', 'site');
    const asset = nameParam(c.req.param('asset') ?? '', 'asset');
    const pointsOf = (profile: string): ModbusPoints | undefined =>
      s.access.directory
        .get(v.user, site)
        .assets.find((a) => a.name === asset)
        ?.profiles.find((p) => p.name === profile)?.modbus;
    const r = await modbus.run(pointsOf, {
      user: v.user.id,
      site,
      asset,
      source: sourceAddress(c),
      unit: unitChooser(unit),
      ...omitUndefined({ write }),
    });
    return page(
      c,
      v,
      `Points of ${site}/${asset}`,
      <PointsPage site={site} asset={asset} r={r} csrf={v.csrf} />,
    );
  };

  app.get('/assets/:site/:asset/points', async (c) => {
    const v = viewer(c, s);
    const q = c.req.query('unit');
    let unit: number | undefined;
    if (q !== undefined) {
      const r = wholeNumber('unit', 0, 255, 'a unit id 0..255').safeParse(q);
      if (!r.success) throw badRequest([{ path: 'unit', message: 'a unit id 0..255' }]);
      unit = r.data;
    }
    return act(c, v, unit, undefined);
  });

  app.post('/assets/:site/:asset/points', async (c) => {
    // The portal session first: without one the answer is 401, never a verdict on the form.
    const v = viewer(c, s);
    const form = await parseFormBody(c, writeForm);
    return act(c, v, form.unit, form.write);
  });

  return app;
}
