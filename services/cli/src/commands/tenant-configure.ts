import { isPaymuxError } from '@paymux/core';
import { OPERATOR, updateTenantSettings } from '@paymux/operations';
import { CliError, type Command, writeLine } from '../command.ts';
import { withDatabase } from '../database.ts';

export const tenantConfigureCommand: Command = {
  path: ['tenant', 'configure'],
  summary: "Change a tenant's settings",
  help: `Usage: paymux tenant configure --tenant TENANT_ID --auto-refund-late-payments on|off

Settings:
  --auto-refund-late-payments on|off
      A payment that succeeds at the provider after Paymux closed (or failed) it is recorded
      as succeeded with late: true. With "on", Paymux then refunds it in full at once
      (refund merchant_refund_id "late-<payment id>"). Default: off.`,
  options: { tenant: { type: 'string' }, 'auto-refund-late-payments': { type: 'string' } },
  async run({ values, config, io }) {
    if (typeof values.tenant !== 'string') throw new CliError('--tenant is required');
    const flag = values['auto-refund-late-payments'];
    if (flag !== 'on' && flag !== 'off')
      throw new CliError('--auto-refund-late-payments must be "on" or "off"');
    const tenantId = values.tenant;
    try {
      const settings = await withDatabase(config(), (handle) =>
        updateTenantSettings({
          ctx: { db: handle.db, actor: OPERATOR },
          input: { tenantId, auto_refund_late_payments: flag === 'on' },
        }),
      );
      writeLine(io.stdout, JSON.stringify(settings));
      return 0;
    } catch (error) {
      if (isPaymuxError(error) && error.status < 500) throw new CliError(error.detail);
      throw error;
    }
  },
};
