/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"
#include "pier-graphical-target.h"

G_BEGIN_DECLS

/* One of Pier's own containers as a graphical session's target (pier-graphical-target.h): its
 * run's state directory (RUNROOT/containers/<id>/), its key kept in ROOT/containers/<id>/rdp/,
 * files made through a pidfd of its init, processes started with Pier's exec and recorded as
 * its sessions. @container is refreshed first; @store and @container must outlive the target. */
PierGraphicalTarget *pier_graphical_container_target_new (PierStore *store,
                                                          PierContainer *container,
                                                          GError **error);

G_END_DECLS
