#pragma once

#include "pier-oci.h"

G_BEGIN_DECLS

/* An image's history read back as a Dockerfile: each created_by, whether Docker's classic
 * builder wrote it ("/bin/sh -c #(nop)  WORKDIR /app", "/bin/sh -c make"), BuildKit ("RUN
 * /bin/sh -c make # buildkit") or Pier, becomes the instruction it records. The first line is
 * FROM scratch; the base image's own steps follow it. */
char *pier_history_to_dockerfile (const PierImageConfig *config);

/* One created_by as an instruction ("RUN make", "CMD [\"sh\"]"), or NULL when it records
 * none (an import). */
char *pier_history_entry_to_instruction (const char *created_by);

G_END_DECLS
