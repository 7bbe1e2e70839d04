/* Small filesystem helpers shared by the services that keep per-user folders of files. */
#ifndef IG_CORE_FSDIR_H
#define IG_CORE_FSDIR_H

#include "core/status.h"

/* Removes every entry of dir (which holds only files, no subfolders), then dir itself. A missing
 * dir is IG_OK; the first failure is reported (IG_EIO) but the remaining files are still removed. */
ig_status fsdir_remove_flat(const char *dir, ig_err *err);

#endif
