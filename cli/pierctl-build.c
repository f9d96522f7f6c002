/* pierctl build, commit, diff, export. */
#include "pier-cli.h"

#include "pier-build.h"
#include "pier-container-changes.h"
#include "pier-dockerfile.h"
#include "pier-error.h"
#include "pier-fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_DOCKERFILE_SIZE (4 * 1024 * 1024)

static void
print_event (const PierBuildEvent *event, gpointer user_data)
{
  g_autofree char *text = pier_build_event_to_text (event);

  fputs (text, stdout);
  fflush (stdout);
}

/* --check: the parse as JSON, nothing built, no store opened. */
static int
check_dockerfile (const char *file, const char *context, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *json = NULL;
  g_autoptr (PierDockerfile) df = NULL;
  const char *name = file;
  gsize len;

  if (file != NULL)
    path = g_strdup (file);
  else
    {
      for (const char *const *n = (const char *const[]){ "Dockerfile", "Containerfile", NULL }; *n; n++)
        {
          g_autofree char *candidate = g_build_filename (context, *n, NULL);
          if (g_file_test (candidate, G_FILE_TEST_EXISTS))
            {
              path = g_steal_pointer (&candidate);
              name = *n;
              break;
            }
        }
      if (path == NULL)
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND,
                       "%s has neither a Dockerfile nor a Containerfile; name one with -f", context);
          return 1;
        }
    }
  {
    pier_autofd int fd = open (path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      {
        pier_set_errno (error, errno, "reading %s", name);
        return 1;
      }
    if (!pier_fs_read_fd (fd, MAX_DOCKERFILE_SIZE, &data, &len, error))
      return 1;
  }
  df = pier_dockerfile_parse (data, len, name, PIER_DOCKERFILE_PARSE_DEFAULT, error);
  if (df == NULL)
    return 1;
  json = pier_dockerfile_to_json (df);
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
                       "--build-arg “%s”: give NAME=VALUE, or NAME to take it from the "
                       "environment", *a);
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
    { "tag", 't', 0, G_OPTION_ARG_STRING_ARRAY, &tags, "Name the image", "NAME[:TAG]" },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &file, "The Dockerfile (default: DIR/Dockerfile)", "FILE" },
    { "build-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &build_args, "Set a build argument", "NAME=VALUE" },
    { "target", 0, 0, G_OPTION_ARG_STRING, &target, "Build up to this stage", "STAGE" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache, "Do not use the build cache", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print only the image id", NULL },
    { "network", 0, 0, G_OPTION_ARG_STRING, &network, "RUN's network: bridge, none or host", "MODE" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, "Parse and check the Dockerfile, print it as JSON", NULL },
    { NULL }
  };
  g_autoptr (GHashTable) args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (PierImage) image = NULL;
  PierBuildOptions options = { 0 };
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "DIR", "Build an image from a Dockerfile", entries,
                       FALSE, error)
      || !pier_cli_expect_args (cli, argc, check ? 0 : 1, 1,
                                "[-t NAME[:TAG]]... [-f FILE] [--build-arg K=V]... [--target "
                                "STAGE] [--no-cache] [-q] [--check] DIR", error))
    return 1;
  if (check)
    return check_dockerfile (file, argc > 1 ? argv[1] : ".", error);
  if (!parse_build_args (build_args, args, error))
    return 1;
  options.context_dir = argv[1];
  options.dockerfile = file;
  options.tags = (const char *const *) tags;
  options.build_args = args;
  options.target = target;
  options.no_cache = no_cache;
  if (network != NULL)
    {
      if (!pier_network_mode_from_string (network, &options.network, error))
        return 1;
      options.network_set = TRUE;
    }
  store = pier_cli_get_store (cli, error);
  if (store == NULL)
    return 1;
  image = pier_build (store, &options, quiet ? NULL : print_event, NULL, NULL, error);
  if (image == NULL)
    return 1;
  if (quiet)
    printf ("%s\n", image->id);
  return 0;
}

static int
commit_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *message = NULL;
  g_autofree char *author = NULL;
  g_auto (GStrv) changes = NULL;
  const GOptionEntry entries[] = {
    { "message", 'm', 0, G_OPTION_ARG_STRING, &message, "Commit message", "MSG" },
    { "author", 'a', 0, G_OPTION_ARG_STRING, &author, "Author", "NAME" },
    { "change", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &changes, "Apply a Dockerfile instruction",
      "INSTRUCTION" },
    { NULL }
  };
  g_autoptr (PierContainer) container = NULL;
  g_autoptr (PierImage) image = NULL;
  PierCommitOptions options = { 0 };
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER [NAME[:TAG]]",
                       "Make an image of a container's changes", entries, FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 2,
                                "[-m MSG] [-c INSTRUCTION]... CONTAINER [NAME[:TAG]]", error)
      || (store = pier_cli_get_store (cli, error)) == NULL
      || (container = pier_store_find_container (store, argv[1], error)) == NULL)
    return 1;
  options.message = message;
  options.author = author;
  options.changes = (const char *const *) changes;
  options.name = argc > 2 ? argv[2] : NULL;
  image = pier_container_commit (store, container, &options, NULL, error);
  if (image == NULL)
    return 1;
  printf ("%s\n", image->id);
  return 0;
}

static int
diff_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autoptr (PierContainer) container = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       "List the files a container added (A), changed (C) or deleted (D)", NULL,
                       FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 1, "CONTAINER", error)
      || (store = pier_cli_get_store (cli, error)) == NULL
      || (container = pier_store_find_container (store, argv[1], error)) == NULL
      || (changes = pier_container_diff (store, container, error)) == NULL)
    return 1;
  for (guint i = 0; i < changes->len; i++)
    {
      PierChange *c = changes->pdata[i];
      printf ("%c %s\n", pier_change_kind_to_char (c->kind), c->path);
    }
  return 0;
}

static gboolean
write_stdout (gpointer user_data, const void *buffer, gsize len, GError **error)
{
  return pier_fs_write_all (STDOUT_FILENO, buffer, len, error);
}

static int
export_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to a file, not standard output",
      "FILE" },
    { NULL }
  };
  g_autoptr (PierContainer) container = NULL;
  PierStore *store;

  if (!pier_cli_parse (cli, &argc, &argv, "CONTAINER",
                       "Write a container's filesystem as a tar archive", entries, FALSE, error)
      || !pier_cli_expect_args (cli, argc, 1, 1, "[-o FILE] CONTAINER", error))
    return 1;
  if (output == NULL && isatty (STDOUT_FILENO))
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   "refusing to write an archive to a terminal: use -o FILE or a redirection");
      return 1;
    }
  if ((store = pier_cli_get_store (cli, error)) == NULL
      || (container = pier_store_find_container (store, argv[1], error)) == NULL)
    return 1;
  if (output != NULL)
    return pier_container_export_to_file (store, container, output, NULL, error) ? 0 : 1;
  return pier_container_export (store, container, write_stdout, NULL, NULL, error) ? 0 : 1;
}

const PierCliVerb pier_cli_build_verbs[] = {
  { "build", build_run, "Build an image from a Dockerfile" },
  { "commit", commit_run, "Make an image of a container's changes" },
  { "diff", diff_run, "List a container's changes to its image" },
  { "export", export_run, "Write a container's filesystem as a tar archive" },
  { NULL }
};
