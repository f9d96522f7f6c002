/* SPDX-License-Identifier: GPL-3.0-or-later */
/* History read back as a Dockerfile: every created_by format of Docker's classic builder and of
 * BuildKit's dockerfile2llb comes back as the instruction it records, what records none as a
 * comment, and the whole reads as a Dockerfile `build --check` accepts. */
#include "test-support.h"

#include "pier-created-by-private.h"
#include "pier-dockerfile.h"
#include "pier-error.h"
#include "pier-history.h"

#include <string.h>

typedef struct {
  const char *created_by;
  const char *instruction; /* NULL: records none */
} Case;

static const Case classic[] = {
  { "/bin/sh -c #(nop)  CMD [\"nginx\" \"-g\" \"daemon off;\"]", "CMD [\"nginx\", \"-g\", \"daemon off;\"]" },
  { "/bin/sh -c #(nop)  CMD [\"sh\" \"-c\" \"echo \\\"a\\\\b\\\"\\tc\\x01\\u00e9\"]",
    "CMD [\"sh\", \"-c\", \"echo \\\"a\\\\b\\\"\\tc\\u0001\xc3\xa9\"]" },
  { "/bin/sh -c #(nop)  ENTRYPOINT [\"/docker-entrypoint.sh\"]", "ENTRYPOINT [\"/docker-entrypoint.sh\"]" },
  { "/bin/sh -c #(nop)  SHELL [/bin/bash -o pipefail -c]", "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]" },
  { "/bin/sh -c #(nop)  EXPOSE 80/tcp 443", "EXPOSE 80/tcp 443" },
  { "/bin/sh -c #(nop)  VOLUME [/data /logs]", "VOLUME [\"/data\", \"/logs\"]" },
  { "/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD-SHELL\" \"curl -f http://localhost/ || exit 1\"] \"5s\" \"3s\" \"0s\" '\\x03'}",
    "HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1" },
  { "/bin/sh -c #(nop)  HEALTHCHECK &{[\"CMD\" \"/bin/check\" \"--quick\"] \"1m30s\" \"0s\" \"10s\" \"0s\" '\\n'}",
    "HEALTHCHECK --interval=1m30s --start-period=10s --retries=10 CMD [\"/bin/check\", \"--quick\"]" },
  { "/bin/sh -c #(nop)  HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}", "HEALTHCHECK NONE" },
  { "/bin/sh -c #(nop)  LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
    "LABEL maintainer=\"NGINX Docker Maintainers <docker-maint@nginx.com>\"" },
  { "/bin/sh -c #(nop)  ENV NGINX_VERSION=1.25.3", "ENV NGINX_VERSION=1.25.3" },
  { "/bin/sh -c #(nop)  ARG VERSION=1.0", "ARG VERSION=1.0" },
  { "/bin/sh -c #(nop)  USER [nobody]", "USER nobody" },
  { "/bin/sh -c #(nop)  STOPSIGNAL [SIGQUIT]", "STOPSIGNAL SIGQUIT" },
  { "/bin/sh -c #(nop)  MAINTAINER Jane <jane@example.com>", "MAINTAINER Jane <jane@example.com>" },
  { "/bin/sh -c #(nop) WORKDIR /srv", "WORKDIR /srv" },
  { "/bin/sh -c #(nop)  ONBUILD RUN make", "ONBUILD RUN make" },
  { "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f in / ", "ADD file:a3bc1e842b69636f /" },
  { "/bin/sh -c #(nop) COPY dir:0d2b1c in /app", "COPY dir:0d2b1c /app" },
  { "/bin/sh -c set -eux; apt-get update", "RUN set -eux; apt-get update" },
  { "|2 A=1 B=two words /bin/sh -c echo $A", "RUN echo $A" },
  { "/bin/sh -c #(nop)  FROBNICATE x", NULL },
  { "/bin/sh -c echo '#(nop) is only a word here'", "RUN echo '#(nop) is only a word here'" },
};

static const Case buildkit[] = {
  { "RUN |2 A=1 B=x /bin/sh -c echo \"$A\" # buildkit", "RUN echo \"$A\"" },
  { "RUN /bin/sh -c apt-get update &&     apt-get install -y curl # buildkit",
    "RUN apt-get update &&     apt-get install -y curl" },
  { "RUN /bin/sh -c set -e\necho one # buildkit", "RUN <<EOF\nset -e\necho one\nEOF" },
  { "RUN /bin/sh -c cat >/x <<EOF\nhi\nEOF # buildkit", "RUN <<EOF1\ncat >/x <<EOF\nhi\nEOF\nEOF1" },
  { "RUN /bin/sh -c echo \\ # buildkit", "RUN <<EOF\necho \\\nEOF" },
  { "RUN /usr/bin/make all # buildkit", "RUN [\"/usr/bin/make\", \"all\"]" },
  { "RUN |1 V=2 /usr/bin/make all # buildkit", "RUN [\"/usr/bin/make\", \"all\"]" },
  { "RUN /dev/pipes/EOF # buildkit", NULL },
  { "COPY --chown=1000:1000 --chmod=755 app.sh /usr/local/bin/ # buildkit",
    "COPY --chown=1000:1000 --chmod=755 app.sh /usr/local/bin/" },
  { "COPY /bin/busybox /busybox # buildkit", "COPY /bin/busybox /busybox" },
  { "ADD rootfs.tar.gz / # buildkit", "ADD rootfs.tar.gz /" },
  { "COPY <<EOF /etc/motd # buildkit", NULL },
  { "ENV PATH=/usr/local/bin:/usr/bin LANG=C.UTF-8", "ENV PATH=/usr/local/bin:/usr/bin LANG=C.UTF-8" },
  { "ENV PRICE=$5", "ENV PRICE=\"\\$5\"" },
  { "LABEL a=b c", "LABEL a=\"b c\"" },
  { "LABEL org.opencontainers.image.title=My App version=1",
    "LABEL org.opencontainers.image.title=\"My App\" version=1" },
  { "ARG TARGETARCH=amd64 NAME", "ARG TARGETARCH=amd64 NAME" },
  { "WORKDIR /app", "WORKDIR /app" },
  { "CMD [\"nginx\" \"-g\" \"daemon off;\"]", "CMD [\"nginx\", \"-g\", \"daemon off;\"]" },
  { "ENTRYPOINT []", "ENTRYPOINT []" },
  { "SHELL [/bin/bash -o pipefail -c]", "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]" },
  { "EXPOSE [80/tcp 443/tcp]", "EXPOSE 80/tcp 443/tcp" },
  { "EXPOSE map[8080/tcp:{} 53/udp:{}]", "EXPOSE 8080/tcp 53/udp" },
  { "VOLUME [/data]", "VOLUME [\"/data\"]" },
  { "HEALTHCHECK {Test:[CMD-SHELL curl -f http://localhost/ || exit 1] Interval:5s Timeout:3s StartPeriod:0s StartInterval:0s Retries:3}",
    "HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1" },
  { "HEALTHCHECK {Test:[CMD /bin/check [x] --quick] Interval:0s Timeout:0s StartPeriod:1m0s Retries:0}",
    "HEALTHCHECK --start-period=1m0s CMD [\"/bin/check\", \"[x]\", \"--quick\"]" },
  { "HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}",
    "HEALTHCHECK NONE" },
  { "USER app:app", "USER app:app" },
  { "STOPSIGNAL SIGTERM", "STOPSIGNAL SIGTERM" },
  { "MAINTAINER someone", "MAINTAINER someone" },
};

/* What other tools write, which records no instruction. */
static const Case foreign[] = {
  { "bazel build ...", NULL },
  { "ko", NULL },
  { "crane append", NULL },
  { "", NULL },
  { "   ", NULL },
};

static void
assert_cases (const Case *cases, gsize n, const PierImageConfig *config)
{
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *got = pier_created_by_read (cases[i].created_by, config);

      if (g_strcmp0 (got, cases[i].instruction) != 0)
        fail_msg ("“%s” read back as «%s», expected «%s»", cases[i].created_by,
                  got ? got : "(none)", cases[i].instruction ? cases[i].instruction : "(none)");
    }
}

static void
test_history_classic_builder_formats (void **state)
{
  (void) state;
  assert_cases (classic, G_N_ELEMENTS (classic), NULL);
}

static void
test_history_buildkit_formats (void **state)
{
  (void) state;
  assert_cases (buildkit, G_N_ELEMENTS (buildkit), NULL);
}

static void
test_history_what_records_no_instruction (void **state)
{
  (void) state;
  assert_cases (foreign, G_N_ELEMENTS (foreign), NULL);
}

/* The image's own configuration says where unquoted values end and which SHELL RUN used. */
static void
test_history_reads_with_the_image_configuration (void **state)
{
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  static const Case cases[] = {
    { "ENV MSG=hello world=yes N=1", "ENV MSG=\"hello world=yes\" N=1" },
    { "LABEL description=a=b c", "LABEL description=\"a=b c\"" },
    { "RUN |1 V=2 /bin/bash -o pipefail -c set -x # buildkit", "RUN set -x" },
    { "RUN /bin/sh -c echo before the SHELL # buildkit", "RUN echo before the SHELL" },
    { "/bin/bash -o pipefail -c make", "RUN make" },
  };

  (void) state;
  config->config.env = g_strdupv ((char *[]){ "MSG=hello world=yes", "N=1", NULL });
  pier_run_config_set_label (&config->config, "description", "a=b c");
  config->config.shell = g_strdupv ((char *[]){ "/bin/bash", "-o", "pipefail", "-c", NULL });
  assert_cases (cases, G_N_ELEMENTS (cases), config);
}

static void
add_entry (PierImageConfig *config, const char *created_by, const char *comment)
{
  PierHistoryEntry *e = g_new0 (PierHistoryEntry, 1);

  e->created_by = g_strdup (created_by);
  e->comment = g_strdup (comment);
  g_ptr_array_add (config->history, e);
}

static void
assert_parses (const char *dockerfile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (dockerfile, strlen (dockerfile),
                                                         "history", PIER_DOCKERFILE_PARSE_DEFAULT,
                                                         &error);

  if (df == NULL)
    fail_msg ("the read-back Dockerfile does not parse: %s\n%s", error->message, dockerfile);
}

/* Every format at once, as `history --dockerfile` prints it: it parses, and each entry that
 * records nothing is a comment. */
static void
test_history_dockerfile_of_every_format_parses (void **state)
{
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  g_autoptr (GString) expected = g_string_new ("FROM scratch\n");
  const Case *lists[] = { classic, buildkit, foreign };
  gsize sizes[] = { G_N_ELEMENTS (classic), G_N_ELEMENTS (buildkit), G_N_ELEMENTS (foreign) };
  g_autofree char *text = NULL;

  (void) state;
  for (gsize l = 0; l < G_N_ELEMENTS (lists); l++)
    for (gsize i = 0; i < sizes[l]; i++)
      {
        const Case *c = &lists[l][i];
        g_autofree char *trimmed = g_strstrip (g_strdup (c->created_by));
        add_entry (config, c->created_by, NULL);
        if (c->instruction != NULL)
          g_string_append_printf (expected, "%s\n", c->instruction);
        else if (*trimmed != '\0')
          g_string_append_printf (expected, "# %s\n", c->created_by);
      }
  add_entry (config, "", "an entry with only a comment");
  g_string_append (expected, "# an entry with only a comment\n");
  add_entry (config, "two\nlines", NULL);
  g_string_append (expected, "# two\n# lines\n");
  text = pier_history_to_dockerfile (config);
  assert_string_equal (text, expected->str);
  assert_parses (text);
}

/* Real images' configurations, from the public test material. */
static void
test_history_testdata_configs (void **state)
{
  static const struct {
    const char *path;
    const char *dockerfile;
  } configs[] = {
    { "image-spec/spec-examples/config/01.json",
      "FROM scratch\n"
      "ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 /\n"
      "CMD [\"sh\"]\n"
      "RUN apk add curl\n" },
    { "go-containerregistry/pkg/v1/layout/testdata/test_index_one_image/blobs/sha256/"
      "381d958b555884ba59574ab5c066e9f6116b5aec3567675aa13bec63331f0810",
      "FROM scratch\n"
      "COPY file:a34f6c104b4cb0668083b4de122deebb3e3629e212f82c32fec316dd8e3a1931 /\n" },
  };

  (void) state;
  PIER_TEST_REQUIRE_TESTDATA (root, "image-spec");
  for (gsize i = 0; i < G_N_ELEMENTS (configs); i++)
    {
      g_autofree char *path = g_build_filename (root, "..", configs[i].path, NULL);
      g_autofree char *json = NULL;
      g_autofree char *text = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (PierImageConfig) config = NULL;
      gsize len;

      if (!g_file_get_contents (path, &json, &len, &error))
        fail_msg ("%s: %s", configs[i].path, error->message);
      config = pier_image_config_parse (json, len, &error);
      pier_assert_no_error (error);
      text = pier_history_to_dockerfile (config);
      assert_string_equal (text, configs[i].dockerfile);
      assert_parses (text);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_history_classic_builder_formats),
    cmocka_unit_test (test_history_buildkit_formats),
    cmocka_unit_test (test_history_what_records_no_instruction),
    cmocka_unit_test (test_history_reads_with_the_image_configuration),
    cmocka_unit_test (test_history_dockerfile_of_every_format_parses),
    cmocka_unit_test (test_history_testdata_configs),
  };
  return cmocka_run_group_tests_name ("history", tests, NULL, NULL);
}
