// Durable file writes: data reaches the disk before anyone is told it is stored (an acknowledged write must
// survive kill -9 and power loss). Write a temp file, fsync it, rename over the target, fsync the directory.
// All asynchronous: the agent's main thread is also the dataplane's control thread and must not block on disk.
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileDurable(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Appends one line and fsyncs (audit log). */
export async function appendLineDurable(path: string, line: string): Promise<void> {
  const fh = await open(path, 'a', 0o600);
  try {
    await fh.appendFile(line.endsWith('\n') ? line : `${line}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
