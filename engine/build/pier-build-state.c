/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a build's steps share (pier-build-private.h's PierBuild and PierBuildStage): the trees
 * of a stage so far, and the progress events. Beneath the driver and the steps alike. */
#include "pier-build-private.h"

void
pier_build_emit (PierBuild *build, PierBuildEventType type, const char *text, const char *id,
                 const char *data, gsize len, double seconds)
{
  PierBuildEvent event = { type, build->step, build->n_steps, text, id, data, len, seconds };

  if (build->progress != NULL)
    build->progress (&event, build->progress_data);
}

GStrv
pier_build_stage_lower_dirs (PierBuildStage *stage)
{
  GStrv dirs = g_new0 (char *, stage->layers->len + 1);

  for (guint i = 0; i < stage->layers->len; i++)
    dirs[i] = g_strdup (((PierBuildLayer *) stage->layers->pdata[stage->layers->len - 1 - i])->dir);
  return dirs;
}

PierMergedTree *
pier_build_stage_tree (PierBuild *build, PierBuildStage *stage, GError **error)
{
  g_auto (GStrv) dirs = pier_build_stage_lower_dirs (stage);

  return pier_merged_tree_new ((const char *const *) dirs, build->rootless, error);
}
