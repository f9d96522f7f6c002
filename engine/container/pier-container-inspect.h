/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-container.h"

G_BEGIN_DECLS

/* The object `docker inspect` prints for a container: Id, Name, Created, Path, Args, State (with
 * Pid and ExitCode), Image, Config, HostConfig, NetworkSettings (with IPAddress) and
 * GraphDriver (with the sandbox layer's path); NULL with an error naming a value JSON cannot
 * hold. */
char *pier_container_inspect_json (PierStore *store, const PierContainer *container,
                                   GError **error);

G_END_DECLS
