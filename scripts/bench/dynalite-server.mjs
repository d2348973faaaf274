// A dynalite server in its own process (the benches run the pipeline in theirs, so the two use
// both cores as a DynamoDB endpoint and its client would): in memory, on a loopback port, which
// it prints as {"port":N} on its first line. Ends when its parent closes stdin.
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
