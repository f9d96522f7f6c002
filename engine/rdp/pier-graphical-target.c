/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What graphical sessions' targets share: their fields' lifetime, files made through the init. */
#include "pier-graphical-target.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-graphical-files-private.h"
#include "pier-i18n.h"
#include "pier-pidfd.h"

gboolean
pier_graphical_target_write_files_in_init (PierGraphicalTarget *target, GArray *files,
                                           GError **error)
{
  pier_autofd int pidfd = pier_pidfd_open_checked (target->init_pid, target->init_start_time);

  if (pidfd < 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED, _("container %s is not running"),
                   target->name);
      return FALSE;
    }
  return pier_graphical_files_write (pidfd, files, error);
}

void
pier_graphical_target_free (PierGraphicalTarget *target)
{
  if (target == NULL)
    return;
  if (target->klass->finalize != NULL)
    target->klass->finalize (target);
  g_free (target->name);
  g_free (target->image);
  g_free (target->hostname);
  g_free (target->state_dir);
  g_free (target->certificate_dir);
  g_free (target);
}
