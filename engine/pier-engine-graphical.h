/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-engine-types.h"
#include "pier-graphical-target.h"

G_BEGIN_DECLS

/* What the engines with PIER_ENGINE_CAP_GRAPHICAL_SESSIONS share: @options in PierEngine's
 * words passed to pier_graphical_session_open() on @target, and its answer in them. */
PierGraphicalSession *pier_engine_graphical_open (PierGraphicalTarget *target,
                                                  const PierGraphicalOptions *options,
                                                  GError **error);

G_END_DECLS
