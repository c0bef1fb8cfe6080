import { newId } from '@paymux/core';
import { describe, expect, it } from 'vitest';
import { parsePaymentJob, parseRefundJob } from '../src/handlers/job-data.ts';

// Job payloads come from the queue, outside row-level security: a malformed one must be
// refused before it reaches withTenant, never half-applied.

const tenant_id = newId('tnt');
const payment_id = newId('pay');
const refund_id = newId('rfd');

describe('payment job payloads', () => {
  it('reads the ids and the chained schedule', () => {
    expect(
      parsePaymentJob({ tenant_id, mode: 'test', payment_id, later_syncs_s: '300,900', late_check_s: '300' }),
    ).toEqual({
      tenantId: tenant_id,
      mode: 'test',
      id: payment_id,
      laterSyncsS: [300, 900],
      lateCheckS: 300,
    });
    // Written before the schedule was chained: no successors to enqueue.
    expect(parsePaymentJob({ tenant_id, mode: 'live', payment_id })).toEqual({
      tenantId: tenant_id,
      mode: 'live',
      id: payment_id,
      laterSyncsS: [],
      lateCheckS: undefined,
    });
  });

  it.each([
    ['no payload', undefined],
    ['a foreign id', { tenant_id, mode: 'test', payment_id: refund_id }],
    ['an unknown mode', { tenant_id, mode: 'prod', payment_id }],
    ['a bad tenant', { tenant_id: 'tnt_x', mode: 'test', payment_id }],
    ['a negative delay', { tenant_id, mode: 'test', payment_id, later_syncs_s: '-5' }],
    ['a fractional delay', { tenant_id, mode: 'test', payment_id, later_syncs_s: '1.5' }],
    ['an empty entry', { tenant_id, mode: 'test', payment_id, later_syncs_s: '300,,900' }],
    ['a list that is not a string', { tenant_id, mode: 'test', payment_id, later_syncs_s: [300] }],
    ['a late check that is not a number', { tenant_id, mode: 'test', payment_id, late_check_s: '5m' }],
  ])('refuses %s', (_, data) => {
    expect(() => parsePaymentJob(data)).toThrow(/Malformed payment job payload/);
  });
});

describe('refund job payloads', () => {
  it('reads the ids, the chained schedule and the last sync', () => {
    expect(parseRefundJob({ tenant_id, mode: 'test', refund_id, later_syncs_s: '300,900' })).toEqual({
      tenantId: tenant_id,
      mode: 'test',
      id: refund_id,
      laterSyncsS: [300, 900],
      final: false,
    });
    expect(parseRefundJob({ tenant_id, mode: 'test', refund_id, final: true })).toMatchObject({
      laterSyncsS: [],
      final: true,
    });
    // Written before the schedule was chained: every sync existed already, the last marked.
    expect(parseRefundJob({ tenant_id, mode: 'test', refund_id })).toMatchObject({
      laterSyncsS: [],
      final: false,
    });
  });

  it.each([
    ['a payment id', { tenant_id, mode: 'test', refund_id: payment_id }],
    ['a malformed schedule', { tenant_id, mode: 'test', refund_id, later_syncs_s: '60;300' }],
    ['a schedule that is not a string', { tenant_id, mode: 'test', refund_id, later_syncs_s: 60 }],
  ])('refuses %s', (_, data) => {
    expect(() => parseRefundJob(data)).toThrow(/Malformed refund job payload/);
  });
});
