// Month-end step 1: the accounts to evaluate, in batches (shared/month-end/month-end-steps.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { PlanOutput } from '../shared/month-end/contracts.ts';
import { type MonthEndSettings, plan } from '../shared/month-end/month-end-steps.ts';
import { monthEndSettings } from './commons/month-end-settings.ts';
import { logger } from './commons/powertools.ts';

export const makeHandler =
  (settings: () => MonthEndSettings) =>
  async (event: unknown): Promise<PlanOutput> => {
    const output = await plan(settings(), event);
    logger.info('month-end planned', {
      month: output.month,
      runId: output.runId,
      accounts: output.accountCount,
      batches: output.batches.length,
    });
    return output;
  };

export const handler = middy(makeHandler(monthEndSettings)).use(injectLambdaContext(logger));
