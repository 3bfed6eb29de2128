import { createServer } from 'node:http';
import { createService, createSupervisor, run, createConsoleLogger } from '../src/index.ts';
const taken = createServer();
await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
const port = (taken.address() as { port: number }).port;
const h = run(createSupervisor({ id: 'app', children: [createService({ id: 'w', minPeriod: 1000, iterate() {} })] }), { control: { port }, exit: false });
h.ready.catch((e) => console.log('ready rejected', e.code));
console.log('done', await h.done);
taken.close();
