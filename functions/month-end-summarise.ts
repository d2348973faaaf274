// Month-end step 3: add up the batches; when the month's claim windows open (Wait's timestamp).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { zoneEnv } from '../shared/config.ts';
import type { BatchOutput, SummaryOutput } from '../shared/month-end/contracts.ts';
import { summarise } from '../shared/month-end/month-end-steps.ts';
import { logger } from './commons/powertools.ts';

export interface SummariseInput {
  readonly month: string;
  readonly runId: string;
  readonly batches: readonly BatchOutput[];
}

export const makeHandler =
  (timeZone: () => string) =>
  async (input: SummariseInput): Promise<SummaryOutput> => {
    const summary = summarise({ timeZone: timeZone() }, input);
    logger.info('month-end summary', { ...summary });
    return summary;
  };

export const handler = middy(makeHandler(() => zoneEnv('POLICY_TIME_ZONE'))).use(injectLambdaContext(logger));
