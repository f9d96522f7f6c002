/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Instructions applied to an image's configuration and history, as the builder and commit's
 * --change do it. */

#include "pier-dockerfile.h"
#include "pier-oci.h"

G_BEGIN_DECLS

/* One of a configuration's lists, indexed while instructions change it, so that each ENV,
 * EXPOSE, VOLUME or ONBUILD costs the same however many came before (Dockerfiles of
 * thousands of them exist). */
typedef struct {
  GHashTable *index;         /* key → position; NULL until the first change */
  guint len, alloc;          /* entries and allocated slots of the list */
} PierStrvIndex;

/* What applying instructions to one configuration keeps between them. */
typedef struct {
  gboolean cmd_set;          /* CMD set here (ENTRYPOINT clears only an inherited one) */
  PierStrvIndex env, exposed_ports, volumes, on_build;
} PierConfigEdit;

void pier_config_edit_clear (PierConfigEdit *edit);

/* @insn (expanded) as a Dockerfile line that rebuilds it: heredocs included, values quoted
 * where needed. @arg_values: for ARG, the value each name ends up with (NULL: none). */
char *pier_build_instruction_text (const PierInstruction *insn, const char *const *arg_values);

/* Docker's classic created_by for a step that changes only the configuration:
 * "/bin/sh -c #(nop)  CMD [\"sh\"]". @config: after the step. */
char *pier_build_nop_created_by (const PierInstruction *insn, const char *text,
                                 const PierImageConfig *config);

/* Applies ENV LABEL EXPOSE VOLUME USER WORKDIR CMD ENTRYPOINT SHELL STOPSIGNAL HEALTHCHECK
 * ONBUILD MAINTAINER (ARG changes nothing) to @config. @edit: the same one for every
 * instruction applied to @config (zeroed at first; cmd_set TRUE to keep an inherited CMD from
 * ENTRYPOINT), cleared once done; nothing else may change @config's lists meanwhile. */
gboolean pier_build_apply_config (PierImageConfig *config, const PierInstruction *insn,
                                  PierConfigEdit *edit, GError **error);

/* A history entry. */
PierHistoryEntry *pier_build_history_entry (const char *created, const char *created_by,
                                            const char *comment, const char *author,
                                            gboolean empty_layer);

G_END_DECLS
