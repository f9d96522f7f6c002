/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What instructions do to an image's configuration, and how they are written back: the
 * instruction text, Docker's classic created_by, and the lists ENV, EXPOSE, VOLUME and ONBUILD
 * change one instruction after another. */
#include "test-support.h"

#include "pier-build-private.h"
#include "pier-error.h"

#include <string.h>

static PierInstruction *
parse_one (const char *text, GError **error)
{
  g_autofree char *df_text = g_strdup_printf ("FROM scratch\n%s\n", text);
  g_autoptr (PierDockerfile) df = pier_dockerfile_parse (df_text, strlen (df_text), NULL, 0, error);

  if (df == NULL)
    return NULL;
  assert_int_equal (df->n_instructions, 2);
  return pier_dockerfile_expand (df, df->instructions[1], NULL, NULL, error);
}

static void
test_build_config_instruction_text_rebuilds_the_instruction (void **state)
{
  const char *cases[] = {
    "ENV A=\"a b\" C=d E=\"$x\"",
    "LABEL \"x y\"=z empty=\"\"",
    "COPY --chown=1:2 [\"a b\", \"/dest dir/\"]",
    "COPY src/*.txt /txt/",
    "CMD [\"/app/run\", \"--flag\"]",
    "RUN echo a && echo \"b\"",
    "HEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1",
    "EXPOSE 80 53/udp",
    "COPY <<EOF /etc/motd\nhello $USER\nEOF",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierInstruction) insn = parse_one (cases[i], &error);
      g_autoptr (PierInstruction) again = NULL;
      g_autofree char *text = NULL;

      pier_assert_no_error (error);
      text = pier_build_instruction_text (insn, NULL);
      again = parse_one (text, &error);
      pier_assert_no_error (error);
      if (again->n_args != insn->n_args)
        fail_msg ("“%s” became “%s”", cases[i], text);
      for (guint a = 0; a < insn->n_args; a++)
        if (!g_str_has_prefix (insn->args[a], "<<") && strcmp (again->args[a], insn->args[a]) != 0)
          fail_msg ("“%s” became “%s”: argument %u “%s”", cases[i], text, a, again->args[a]);
      for (guint h = 0; h < insn->n_heredocs; h++)
        assert_string_equal (again->heredocs[h].content, insn->heredocs[h].content);
    }
}

static void
test_build_config_nop_created_by_is_docker_classic (void **state)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  const char *cases[][2] = {
    { "WORKDIR /app", "/bin/sh -c #(nop)  WORKDIR /app" },
    { "CMD [\"/app/run\"]", "/bin/sh -c #(nop)  CMD [\"/app/run\"]" },
    { "CMD echo hi", "/bin/sh -c #(nop)  CMD [\"/bin/sh\" \"-c\" \"echo hi\"]" },
    { "MAINTAINER x", "/bin/sh -c #(nop)  MAINTAINER x" },
    { "USER app", "/bin/sh -c #(nop)  USER app" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (PierInstruction) insn = parse_one (cases[i][0], &error);
      g_autofree char *text = NULL;
      g_autofree char *created_by = NULL;
      PierConfigEdit edit = { 0 };

      pier_assert_no_error (error);
      assert_true (pier_build_apply_config (config, insn, &edit, &error));
      pier_config_edit_clear (&edit);
      text = pier_build_instruction_text (insn, NULL);
      created_by = pier_build_nop_created_by (insn, text, config);
      assert_string_equal (created_by, cases[i][1]);
    }
  assert_string_equal (config->author, "x");
  assert_string_equal (config->config.user, "app");
  assert_string_equal (config->config.working_dir, "/app");
}

static void
assert_strv (char **got, const char *const *expected)
{
  g_autofree char *got_text = got ? g_strjoinv (" ", got) : g_strdup ("(none)");
  g_autofree char *expected_text = g_strjoinv (" ", (char **) expected);

  assert_string_equal (got_text, expected_text);
}

/* The lists keep Docker's order and semantics however they are indexed: ENV replaces a value
 * in its first place, EXPOSE and VOLUME are sets, ONBUILD appends; a base image's own list is
 * taken as it is, duplicates included. */
static void
test_build_config_lists_keep_order_and_semantics (void **state)
{
  g_autoptr (PierImageConfig) config = pier_image_config_new ();
  const char *const base_env[] = { "PATH=/bin", "A=base", "A=shadowed", NULL };
  const char *const lines[] = {
    "ENV B=1 A=2", "ENV C=3", "ENV B=4", "EXPOSE 80 81-83/udp", "EXPOSE 80/tcp 82/udp 8080",
    "VOLUME /data", "VOLUME [\"/data\", \"/logs\"]", "ONBUILD RUN one", "ONBUILD RUN one",
  };
  const char *const env[] = { "PATH=/bin", "A=2", "A=shadowed", "B=4", "C=3", NULL };
  const char *const ports[] = { "80/tcp", "81/udp", "82/udp", "83/udp", "8080/tcp", NULL };
  const char *const volumes[] = { "/data", "/logs", NULL };
  const char *const triggers[] = { "RUN one", "RUN one", NULL };
  PierConfigEdit edit = { 0 };

  (void) state;
  config->config.env = g_strdupv ((char **) base_env);
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PierInstruction) insn = parse_one (lines[i], &error);
      pier_assert_no_error (error);
      assert_true (pier_build_apply_config (config, insn, &edit, &error));
      pier_assert_no_error (error);
    }
  pier_config_edit_clear (&edit);
  assert_strv (config->config.env, env);
  assert_strv (config->config.exposed_ports, ports);
  assert_strv (config->config.volumes, volumes);
  assert_strv (config->config.on_build, triggers);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_build_config_instruction_text_rebuilds_the_instruction),
    cmocka_unit_test (test_build_config_nop_created_by_is_docker_classic),
    cmocka_unit_test (test_build_config_lists_keep_order_and_semantics),
  };
  return cmocka_run_group_tests_name ("build-config", tests, NULL, NULL);
}
