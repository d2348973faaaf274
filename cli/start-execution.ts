// The Step Functions client for `sla recalc --state-machine-arn`, behind a static import: the CLI
// loads this module on use, and a static import keeps the SDK's named exports in the bundle (a
// dynamic import of the CommonJS package would see only its default export there).
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

export { SFNClient, StartExecutionCommand };
