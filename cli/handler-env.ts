// Imported first by the `sla` executable (cli/sla.ts), before any module builds a Powertools
// logger or metrics: the real Lambda handlers that the embedded runs drive (the month-end steps,
// the notice worker) would otherwise write their JSON log lines and EMF metrics to the command's
// standard output. Set either variable to see them (POWERTOOLS_LOG_LEVEL=INFO).
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
