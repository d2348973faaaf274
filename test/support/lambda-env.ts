// The environment the notice tests load the Lambda handlers under: no AWS SDK warning about the
// Node version, Powertools' logger silent (and in dev mode). The loggers read it when their modules
// load, so a test file loads this first, hoisted above its imports:
//   await vi.hoisted(() => import('../support/lambda-env.ts'));
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_DEV = 'true';
