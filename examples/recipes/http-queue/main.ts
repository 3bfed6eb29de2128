/**
 * Recipe (docs/recipes/http-queue-worker.md): an HTTP server that accepts jobs and a queue
 * worker that handles them in the background, under one supervisor. A full queue answers 503
 * with Retry-After; a shutdown stops the server first, then drains the queue.
 *
 * The part after the recipe plays the client: it posts jobs to the server, waits until they
 * are handled, and stops the run.
 *
 * Run: node --import tsx examples/recipes/http-queue/main.ts
 */
import type { RequestListener } from 'node:http';
import { text } from 'node:stream/consumers';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createHttpService,
  createQueueWorker,
  createSupervisor,
  getTree,
  QueueFullError,
  run,
} from '../../../src/index.ts';

interface Job {
  readonly id: string;
  readonly email: string;
}

const mailer = createQueueWorker({
  id: 'mailer',
  concurrency: 4, // four jobs at once
  capacity: 1_000, // beyond that, put() throws QueueFullError
  async handle(job: Job, ctx) {
    // Pass ctx.signal to your I/O: it is aborted only when the worker must give up.
    await sendWelcomeMail(job.email, ctx.signal);
    ctx.logger.info({ job: job.id }, 'mail sent');
  },
  onDiscard(jobs) {
    // What a shutdown could not handle: save it, do not lose it.
    saveForLater(jobs);
  },
});

const serve: RequestListener = async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/jobs') {
    res.writeHead(404).end();
    return;
  }
  const { email } = JSON.parse(await text(req)) as { email: string };
  const job: Job = { id: crypto.randomUUID(), email };
  try {
    mailer.put(job);
    res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(job));
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error; // answered 500, and logged
    res.writeHead(503, { 'retry-after': '5' }).end('busy, try again later');
  }
};

const api = createHttpService({
  id: 'api',
  port: Number(process.env.PORT ?? 0), // 0: a free port, shown in getTree()
  serve,
  gracePeriod: 10_000, // requests in flight get up to 10 s to finish on a stop
});

// Children start in order and stop in reverse: the server stops taking jobs first, then the
// worker drains what is queued.
const root = createSupervisor({
  id: 'root',
  strategy: 'one-for-one',
  children: [mailer, api],
});

const handle = run(root);

// --- The client: three jobs over HTTP, then a graceful stop. ---

async function sendWelcomeMail(email: string, signal: AbortSignal): Promise<void> {
  await sleep(50, undefined, { signal }); // stands for your mail provider's API call
  console.log(`mailed ${email}`);
}

function saveForLater(jobs: readonly Job[]): void {
  console.log(`saved for later: ${jobs.length}`);
}

await handle.ready;
const details = getTree(handle.actor).children?.find((c) => c.id === 'api')?.details as {
  url: string;
};
for (const email of ['ada@example.com', 'grace@example.com', 'edsger@example.com']) {
  const res = await fetch(`${details.url}/jobs`, {
    method: 'POST',
    body: JSON.stringify({ email }),
  });
  console.log(`POST /jobs ${email}: ${res.status}`);
}
await new Promise<void>((resolve) => {
  const check = () => {
    const node = getTree(handle.actor).children?.find((c) => c.id === 'mailer');
    if ((node?.details as { processed: number } | undefined)?.processed === 3) resolve();
    else setTimeout(check, 20); // the example's test bounds the whole run
  };
  check();
});
await handle.stop();
console.log(`stopped: ${(await handle.done).reason}`);
