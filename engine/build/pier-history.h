/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-oci.h"

G_BEGIN_DECLS

/* Pier's builder records, besides Docker's created_by, the instruction itself as it ran
 * (variables expanded, heredocs included) in each entry's comment after this prefix, and the
 * image FROM named, with the number of history entries it came with, in two labels. */
#define PIER_HISTORY_COMMENT_PREFIX "pier.dockerfile: "
#define PIER_LABEL_BASE_IMAGE "org.pier.base-image"
#define PIER_LABEL_BASE_HISTORY "org.pier.base-history"

/* An image's history read back as a Dockerfile that `build --check` accepts: each entry becomes
 * the instruction it records, Pier's comment when there is one, else what its created_by
 * records (pier_created_by_read(): Docker's classic builder, BuildKit or Pier), and a comment
 * when it records none. The first line is FROM and the base image Pier's labels name, its own
 * steps left out; without them FROM scratch, and the base image's steps follow it. */
char *pier_history_to_dockerfile (const PierImageConfig *config);

/* One created_by as an instruction ("RUN make", "CMD [\"sh\"]"), or NULL when it records
 * none, read without the image's configuration. */
char *pier_history_entry_to_instruction (const char *created_by);

G_END_DECLS
