/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-cgroup.h"
#include "pier-json.h"
#include "pier-sandbox-record.h"
#include "pier-sandbox.h"
#include "pier-seccomp.h"

G_BEGIN_DECLS

/* The spec's seccomp program, compiled for the capabilities it keeps; *@out NULL without an
 * error when it runs unconfined. */
gboolean pier_sandbox_spec_compile_seccomp (const PierSandboxSpec *spec,
                                            PierSeccompProgram **out, GError **error);

G_END_DECLS
