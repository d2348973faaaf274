/**
 * A notice's file in an outbox (the embedded run's channel): its id with `~` for `/` — ids never
 * hold `~`, so two notices never share a file: `acc-44~ord-44~2026-06~window-open.json`.
 */
export const outboxFileName = (noticeId: string): string => `${noticeId.replaceAll('/', '~')}.json`;
