import type { ServerResponse } from 'node:http';
import type { LoadAnswer } from './load-stream';

/**
 * A `/load-jobs` answer sent two ways with the same bytes: written to the Node response (corked, so thousands of
 * cached buffers leave in a few writev calls, with no copy), or as a web stream for a caller without a socket.
 * `onSent` gets the answer's length once every byte was handed over, never for an answer cut short.
 */
export function loadAnswerBody(answer: LoadAnswer, onSent: (bytes: number) => void) {
  return { stream: answerStream(answer, onSent), write: (out: ServerResponse) => writeAnswer(answer, out, onSent) };
}

async function writeAnswer(answer: LoadAnswer, out: ServerResponse, onSent: (bytes: number) => void): Promise<void> {
  if (answer.kind === 'whole') {
    writeCorked(out, answer.parts);
    out.end();
    onSent(answer.length);
    return;
  }
  // A streamed answer waits for the socket between groups, so only a group or two is ever in flight.
  let bytes = 0;
  try {
    for await (const group of answer.groups) {
      if (out.destroyed) return;
      bytes += writeCorked(out, group);
      if (out.writableNeedDrain) await drainedOrClosed(out);
    }
  } finally {
    await answer.groups.return(undefined);
  }
  if (out.destroyed) return;
  out.end();
  onSent(bytes);
}

/** Writes the parts as one batch; gives their bytes. */
function writeCorked(out: ServerResponse, parts: readonly Buffer[]): number {
  let bytes = 0;
  out.cork();
  for (const part of parts) {
    out.write(part);
    bytes += part.length;
  }
  out.uncork();
  return bytes;
}

function drainedOrClosed(out: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

/** The same answer as a byte stream that waits for its reader (backpressure), pulling nothing until read. */
function answerStream(answer: LoadAnswer, onSent: (bytes: number) => void): ReadableStream<Uint8Array> {
  const groups =
    answer.kind === 'whole'
      ? (async function* () {
          yield answer.parts;
        })()
      : answer.groups;
  let bytes = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await groups.next();
        if (next.done) {
          controller.close();
          onSent(bytes);
        } else {
          const chunk = Buffer.concat(next.value);
          bytes += chunk.length;
          controller.enqueue(chunk);
        }
      },
      async cancel() {
        await groups.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
