// A benchmark helper process (the provider's sender, the tenant's endpoint) driven over IPC:
// it announces itself with a first message, then answers each request with one reply, in
// order.
import { type ChildProcess, fork } from 'node:child_process';

export interface HelperProcess<Request, Reply> {
  /** The child's first message. */
  readonly ready: Reply;
  /** Sends a request and resolves with its reply; requests are answered one after another. */
  ask(request: Request): Promise<Reply>;
  /** SIGTERM, then waits for the exit. */
  close(): Promise<void>;
}

export async function startHelperProcess<Request, Reply>(
  entry: string,
): Promise<HelperProcess<Request, Reply>> {
  const child: ChildProcess = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: Array<(reply: Reply) => void> = [];
  child.on('message', (reply: Reply) => replies.shift()?.(reply));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () => new Promise<Reply>((resolve) => replies.push(resolve));
  const ready = await Promise.race([
    next(),
    exited.then(() => {
      throw new Error(`${entry} exited before it was ready`);
    }),
  ]);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ready,
    ask: (request) => {
      const reply = queue.then(() => {
        const answer = next();
        child.send(request as object);
        return answer;
      });
      queue = reply.catch(() => {});
      return reply;
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
