/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl build, commit, diff, export. */
#include "pier-cli.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-output-file.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
print_output (const char *text, gpointer user_data)
{
  fputs (text, stdout);
  fflush (stdout);
}

/* --check: the parse as JSON, nothing built, no store opened. */
static int
check_dockerfile (PierCli *cli, const char *file, const char *context, GError **error)
{
  g_autofree char *json = pier_engine_check_dockerfile (pier_cli_get_engine (cli), context, file,
                                                        NULL, error);

  if (json == NULL)
    return 1;
  fputs (json, stdout);
  return 0;
}

static gboolean
parse_build_args (char **args, GHashTable *out, GError **error)
{
  for (char **a = args; a && *a; a++)
    {
      const char *eq = strchr (*a, '=');
      if (eq == *a)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("--build-arg “%s”: give NAME=VALUE, or NAME to take it from the "
                         "environment"), *a);
          return FALSE;
        }
      if (eq != NULL)
        g_hash_table_insert (out, g_strndup (*a, eq - *a), g_strdup (eq + 1));
      else if (g_getenv (*a) != NULL)
        g_hash_table_insert (out, g_strdup (*a), g_strdup (g_getenv (*a)));
    }
  return TRUE;
}

static int
build_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_auto (GStrv) tags = NULL;
  g_auto (GStrv) build_args = NULL;
  g_autofree char *file = NULL;
  g_autofree char *target = NULL;
  g_autofree char *network = NULL;
  gboolean no_cache = FALSE, quiet = FALSE, check = FALSE;
  const GOptionEntry entries[] = {
    { "tag", 't', 0, G_OPTION_ARG_STRING_ARRAY, &tags, N_("Name the image"), "NAME[:TAG]" },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file, N_("The Dockerfile (default: DIR/Dockerfile)"), "FILE" },
    { "build-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &build_args, N_("Set a build argument"), "NAME=VALUE" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, N_("Build up to this stage"), "STAGE" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, N_("Do not use the build cache"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print only the image id"), NULL },
    { "network", 0, 0, G_OPTION_ARG_STRING, &network, N_("RUN's network: bridge, none or host"), "MODE" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, N_("Parse and check the Dockerfile, print it as JSON"), NULL },
    { NULL }
  };
  g_autoptr (GHashTable) args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree char *id = NULL;
  PierImageBuildOptions options = { 0 };

  if (!pier_cli_parse (cli, &argc, &argv, "DIR", N_("Build an image from a Dockerfile"), entries,
                       FALSE, error)
      || !pier_cli_expect_args (cli, argc, check ? 0 : 1, 1,
                                "[-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target "
                                "STAGE] [--no-cache] [-q] [--check] DIR", error))
    return 1;
  if (check)
    return check_dockerfile (cli, file, argc > 1 ? argv[1] : ".", error);
  if (!parse_build_args (build_args, args, error))
    return 1;
  options.context_dir = argv[1];
  options.dockerfile = file;
  options.tags = (const char *const *) tags;
  options.build_args = args;
  options.target = target;
  options.no_cache = no_cache;
  options.network = network;
  id = pier_engine_build (pier_cli_get_engine (cli), &options, quiet ? NULL : print_output, NULL,
                          NULL, error);
  if (id == NULL)
    return 1;
  if (quiet)
    printf ("%s\n", id);
  return 0;
}

static int
commit_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *message = NULL;
  g_autofree char *author = NULL;
  g_auto (GStrv) changes = NULL;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &message, N_("Commit message"), "MSG" },
    { "author", 'a', 0, G_OPTION_ARG_STRING, &author, N_("Author"), "NAME" },
    { "change", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &changes, N_("Apply a Dockerfile instruction"),
      "INSTRUCTION" },
    { NULL }
  };
  g_autofree char *id = NULL;
  PierCommitRequest request = { 0 };

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER [NAME[:TAG]]",
                       N_("Make an image of a container's changes"), entries, FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 2,
                                "[-m MSG] [-c INSTRUCTION]... CONTAINER [NAME[:TAG]]", error))
    return 1;
  request.message = message;
  request.author = author;
  request.changes = (const char *const *) changes;
  request.name = argc > 2 ? argv[2] : NULL;
  id = pier_engine_commit (pier_cli_get_engine (cli), argv[1], &request, NULL, error);
  if (id == NULL)
    return 1;
  printf ("%s\n", id);
  return 0;
}

static int
diff_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autoptr (GPtrArray) changes = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       N_("List the files a container added (A), changed (C) or deleted (D)"), NULL,
                       FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 1, "CONTAINER", error)
      || (changes = pier_engine_diff (pier_cli_get_engine (cli), argv[1], NULL, error)) == NULL)
    return 1;
  for (guint i = 0; i < changes->len; i++)
    {
      PierFileChange *c = changes->pdata[i];
      printf ("%c %s\n", c->kind, c->path);
    }
  return 0;
}

static int
export_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write to a file, not standard output"),
      "FILE" },
    { NULL }
  };
  g_autoptr (PierContainerInfo) info = NULL;
  g_autoptr (PierOutputFile) file = NULL;
  PierEngine *engine;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       N_("Write a container's filesystem as a tar archive"), entries, FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 1, "[-o FILE] CONTAINER", error))
    return 1;
  if (output == NULL && isatty (STDOUT_FILENO))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("refusing to write an archive to a terminal: use -o FILE or a redirection"));
      return 1;
    }
  /* The container first: a file is made only for one that exists. */
  engine = pier_cli_get_engine (cli);
  if ((info = pier_engine_get_container (engine, argv[1], FALSE, NULL, error)) == NULL)
    return 1;
  if (output == NULL)
    return pier_engine_export (engine, info->id, STDOUT_FILENO, NULL, error) ? 0 : 1;
  return (file = pier_output_file_open (output, 0644, error)) != NULL
         && pier_engine_export (engine, info->id, pier_output_file_get_fd (file), NULL, error)
         && pier_output_file_commit (file, error) ? 0 : 1;
}

const PierCliVerb pier_cli_build_verbs[] = {
  { "build", build_run, N_("Build an image from a Dockerfile") },
  { "commit", commit_run, N_("Make an image of a container's changes") },
  { "diff", diff_run, N_("List a container's changes to its image") },
  { "export", export_run, N_("Write a container's filesystem as a tar archive") },
  { NULL }
};
