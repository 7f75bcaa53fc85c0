/**
 * The embedded DynamoDB engine for local mode and tests: dynalite (the real DynamoDB wire API over
 * HTTP), bound to loopback only, with table operations made instant (its default keeps a new table
 * CREATING for half a second). With `path` it persists to disk; never open one path from two processes.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface Engine {
  endpoint: string;
  close(): Promise<void>;
}

export async function startEngine(options: { path?: string; port?: number } = {}): Promise<Engine> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets from SDK clients would hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
