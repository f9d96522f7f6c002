#pragma once

#include "pier-oci.h"

G_BEGIN_DECLS

/* Pier's builder records, besides Docker's created_by, the instruction itself as it ran
 * (variables expanded, heredocs included) in each entry's comment after this prefix, and the
 * image FROM named, with the number of history entries it came with, in two labels. */
#define PIER_HISTORY_COMMENT_PREFIX "pier.dockerfile: "
#define PIER_LABEL_BASE_IMAGE "org.pier.base-image"
#define PIER_LABEL_BASE_HISTORY "org.pier.base-history"

/* An image's history read back as a Dockerfile: each entry becomes the instruction it records,
 * Pier's comment when there is one, else its created_by, whether Docker's classic builder wrote
 * it ("/bin/sh -c #(nop)  WORKDIR /app", "/bin/sh -c make"), BuildKit ("RUN /bin/sh -c make #
 * buildkit") or Pier. The first line is FROM and the base image Pier's labels name, its own
 * steps left out; without them FROM scratch, and the base image's steps follow it. */
char *pier_history_to_dockerfile (const PierImageConfig *config);

/* One entry as an instruction: Pier's recorded one, else from created_by; NULL for none. */
char *pier_history_entry_get_instruction (const PierHistoryEntry *entry);

/* One created_by as an instruction ("RUN make", "CMD [\"sh\"]"), or NULL when it records
 * none (an import). */
char *pier_history_entry_to_instruction (const char *created_by);

G_END_DECLS
