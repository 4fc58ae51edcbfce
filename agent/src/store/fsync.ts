// Durable file writes: data reaches the disk before anyone is told it is stored (an acknowledged write must
// survive kill -9 and power loss). Write a temp file, fsync it, rename over the target, fsync the directory.
// All asynchronous: the agent's main thread is also the dataplane's control thread and must not block on disk.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The two flushes a durable write depends on. Injectable so that tests can make them fail (a disk error is
 * otherwise hard to provoke); production always uses `realFsync`.
 */
export interface Fsync {
  /** Flushes an open file's data and metadata. */
  file(fh: FileHandle, path: string): Promise<void>;
  /** Flushes a directory, i.e. the names created or renamed in it. */
  dir(path: string): Promise<void>;
}

export const realFsync: Fsync = {
  file: (fh) => fh.sync(),
  dir: fsyncDir,
};

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/**
 * Creates `path` (a name that does not exist yet) with `data`, durably. On any failure `path` does not exist
 * afterwards and the temp file is removed. After a failed fsync the page cache can no longer be trusted to
 * hold what was written (Linux marks the pages clean), so the write is refused rather than retried.
 */
export async function writeFileDurable(path: string, data: string, sync: Fsync = realFsync): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    try {
      await fh.writeFile(data);
      await sync.file(fh, tmp).catch((e: unknown) => {
        throw new Error(`fsync failed: ${(e as Error).message}`, { cause: e });
      });
    } finally {
      await fh.close();
    }
  } catch (e) {
    await removeQuietly(tmp);
    throw e;
  }
  await rename(tmp, path).catch(async (e: unknown) => {
    await removeQuietly(tmp);
    throw e;
  });
  try {
    await sync.dir(dirname(path));
  } catch (e) {
    // The new name is visible but not known to be on disk: a caller told "refused" must not find the
    // generation after a restart, so take the name back (best effort: the directory itself just failed).
    await removeQuietly(path);
    await sync.dir(dirname(path)).catch(() => undefined);
    throw new Error(`directory fsync failed: ${(e as Error).message}`, { cause: e });
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Appends one line and fsyncs (audit log). The append that creates the file also flushes the directory: the
 * file's name is as much a part of the line's durability as its data.
 */
export async function appendLineDurable(path: string, line: string, sync: Fsync = realFsync): Promise<void> {
  let created = true;
  const fh = await open(path, 'ax', 0o600).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    created = false;
    return open(path, 'a', 0o600);
  });
  try {
    await fh.appendFile(line.endsWith('\n') ? line : `${line}\n`);
    await sync.file(fh, path);
  } finally {
    await fh.close();
  }
  if (created) await sync.dir(dirname(path));
}
