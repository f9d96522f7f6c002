/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The part every graphical session's target shares: its fields' lifetime. */
#include "pier-graphical-target.h"

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
