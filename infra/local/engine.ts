/**
 * The embedded DynamoDB engine for local mode and tests: dynalite (the real DynamoDB wire API over
 * HTTP), bound to loopback only, with table operations made instant (its default keeps a new table
 * CREATING for half a second). With `path` it persists to disk; one path is for one process at a time:
 * the directory is checked first (level.ts), so a second process gets a clear DataDirError.
 */
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { checkDataDir, installLevelFixes } from './level';

export interface Engine {
  endpoint: string;
  close(): Promise<void>;
}

export async function startEngine(options: { path?: string; port?: number } = {}): Promise<Engine> {
  // Before dynalite builds its store: it binds the level methods the fixes wrap when it creates it.
  installLevelFixes();
  if (options.path) await checkDataDir(options.path);
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
        // dynalite's close waits for its pending operations, then closes the database.
        server.close(() => resolve());
        // Keep-alive sockets from SDK clients would hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
