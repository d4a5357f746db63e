// A room server alone in its own process, for the abuse suites: the attack's clients and the
// probe run elsewhere, so what the probe measures is this server. argv[2] is JSON of options;
// the first stdout line is `{ wsUrl, httpUrl, metricsUrl }`, the JSON log lines follow. Built code
// (`npx tsc -b` first), as the cluster suites use. ATRIUM_SERVER_DIST names another build's
// index.js, to check that a suite fails against a server without the defence it tests.

const { createRoomServer } = await import(
  process.env.ATRIUM_SERVER_DIST || '../../../packages/server/dist/index.js'
);

const options = JSON.parse(process.argv[2] ?? '{}');
const server = await createRoomServer({ port: 0, logLevel: 'warn', ...options });
process.stdout.write(
  `${JSON.stringify({ wsUrl: server.wsUrl, httpUrl: server.httpUrl, metricsUrl: server.metricsUrl })}\n`,
);
process.on('SIGTERM', () => {
  server.close().then(() => process.exit(0));
});
