/**
 * The bench's floor for the old API: the least a Node server can do for it. POST /save-jobs receives the
 * body and JSON.parses it (no validation, no disk); GET /load-jobs sends the bytes of a file read once at
 * start, from memory. Run as its own process, as the companion and the peer are:
 *
 *   node --import tsx bench/floor-server.ts <load-jobs answer file>   (prints "listening on http://...")
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx bench/floor-server.ts <load-jobs answer file>\n');
  process.exit(2);
}
const loadAnswer = readFileSync(file);

function answer(res: http.ServerResponse, status: number, body: Buffer | string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return answer(res, 200, '{"status":"ok"}');
  if (req.method === 'GET' && req.url === '/load-jobs') return answer(res, 200, loadAnswer);
  if (req.method === 'POST' && req.url === '/save-jobs') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { jobs?: unknown[] };
        answer(res, 200, JSON.stringify({ status: 'ok', message: `Saved ${body.jobs?.length ?? 0} jobs` }));
      } catch (error) {
        // At 100k jobs the body is longer than V8's longest string: the floor cannot parse it either.
        answer(res, 500, JSON.stringify({ status: 'error', message: (error as Error).message }));
      }
    });
    return;
  }
  answer(res, 404, '{"status":"error","error":"not_found"}');
});
// The defaults would cut a slow 600 MB upload short.
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
