import { errorMessage } from '../../utils/domain';

/** Plain words for the file-system error codes a user can act on. */
const FS_CAUSES: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EBUSY: 'file is busy',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENOENT: 'file or folder not found',
  ENOTDIR: 'a path part is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  EXDEV: 'crosses file systems',
  ENAMETOOLONG: 'name too long',
};

/** An error of the store with a stable `code`: an fs code (ENOSPC...) or one of the store's own. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: string;

  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** "disk full (ENOSPC)", or the error's own message when its code is not one we name. */
export function describeFsError(error: unknown): string {
  const code = errorCode(error);
  if (code && FS_CAUSES[code]) return `${FS_CAUSES[code]} (${code})`;
  const message = errorMessage(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/** Wraps an fs error as "<what failed>: disk full (ENOSPC)", keeping its code and cause. */
export function fsFailure(what: string, error: unknown): StoreError {
  return new StoreError(`${what}: ${describeFsError(error)}`, errorCode(error) ?? 'EUNKNOWN', { cause: error });
}
