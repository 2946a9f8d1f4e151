import { type FsSeam, nodeFs } from '../../companion-server/store/fs-seam';

/**
 * The real fs seam over a disk that can be made full: while `full` is set, every call that needs new blocks
 * (creating or appending to a file, writing through `write`, making a folder) fails with `code` (ENOSPC by
 * default; EACCES models a data dir that lost its permissions). Writing in place over blocks a file already has
 * (`writeAt`, which only the recovery spool uses) still works, as it does on ext4 and tmpfs when the disk is full.
 */
export function fullDiskFs(base: FsSeam = nodeFs) {
  const state = { full: false, code: 'ENOSPC', refused: 0 };
  const refuse = (what: string) => {
    if (!state.full) return;
    state.refused += 1;
    throw Object.assign(new Error(`${state.code}: ${what}`), { code: state.code });
  };
  const fs: FsSeam = {
    ...base,
    open: async (path, flags) => {
      if (flags === 'w' || flags === 'a') refuse(`open ${path}`);
      return base.open(path, flags);
    },
    write: async (handle, data) => {
      refuse('write');
      return base.write(handle, data);
    },
    mkdir: async (path) => {
      // An existing folder needs no new blocks.
      if (
        !(await base.stat(path).then(
          () => true,
          () => false,
        ))
      )
        refuse(`mkdir ${path}`);
      return base.mkdir(path);
    },
    link: async (from, to) => {
      refuse(`link ${to}`);
      return base.link(from, to);
    },
  };
  return {
    fs,
    state,
    fill(code = 'ENOSPC') {
      state.full = true;
      state.code = code;
    },
    free() {
      state.full = false;
    },
  };
}
