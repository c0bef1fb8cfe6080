import { describe, expect, it } from 'vitest';
import * as core from '../src/index.ts';

describe('package entry', () => {
  it('re-exports every module', () => {
    for (const name of [
      'money',
      'parseYuan',
      'formatYuan',
      'parseFen',
      'newId',
      'isId',
      'idTimestamp',
      'PaymuxError',
      'toProblem',
      'CHANNELS',
      'providerOf',
      'paymentTransition',
      'refundTransition',
      'EVENT_TYPES',
      'isMode',
      'parseScopes',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
  });
});
