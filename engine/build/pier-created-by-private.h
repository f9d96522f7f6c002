/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "pier-oci.h"

G_BEGIN_DECLS

/* What a builder wrote in a history entry's created_by, read back as the Dockerfile
 * instruction it records: text that parses as one instruction (a RUN whose command spans lines
 * comes back as a heredoc), or NULL when it records none ("bazel build ...", an import, a
 * heredoc whose content the builder did not keep).
 *
 * The formats are those of Docker's classic builder ("/bin/sh -c #(nop)  CMD [\"sh\"]",
 * "|2 A=1 B=2 /bin/sh -c make", "COPY file:<digest> in /dest"), of BuildKit's dockerfile2llb
 * ("RUN |1 A=1 /bin/sh -c make # buildkit", "SHELL [/bin/bash -c]", "EXPOSE [80/tcp]",
 * "HEALTHCHECK {Test:[CMD-SHELL curl x] Interval:5s ...}", "LABEL a=b c") and Pier's own.
 * @config (may be NULL), the image's, tells a RUN's SHELL and where unquoted ENV and LABEL
 * values that hold spaces end. */
char *pier_created_by_read (const char *created_by, const PierImageConfig *config);

G_END_DECLS
