// The page's side of the training worker: starts it, sends requests, fans events out.
import type { WorkerEvent, WorkerRequest } from './protocol';

type Listener = (event: WorkerEvent) => void;

export class TrainerClient {
  private readonly worker = new Worker(new URL('./trainer.worker.ts', import.meta.url), {
    type: 'module',
    name: 'cardinal-trainer',
  });
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.worker.onmessage = ({ data }: MessageEvent<WorkerEvent>) => {
      for (const listener of this.listeners) listener(data);
    };
    this.worker.onerror = (e) => {
      const event: WorkerEvent = {
        type: 'error',
        runId: null,
        code: 'internal',
        message: `the training worker crashed: ${e.message}`,
      };
      for (const listener of this.listeners) listener(event);
    };
  }

  /** `transfer`: buffers handed to the worker rather than copied (a file's bytes, say). */
  send(request: WorkerRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(request, transfer);
  }

  /** Ends the worker at once (its backend died): no event comes from it after this. */
  terminate(): void {
    this.worker.terminate();
    this.listeners.clear();
  }

  /** Returns the function that unsubscribes. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
