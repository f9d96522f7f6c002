/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl import, save, load. */
#include "pier-cli.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-output-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "-" (or nothing) is standard input; anything else a file. */
static int
open_input (const char *path, GError **error)
{
  int fd;

  if (path == NULL || strcmp (path, "-") == 0)
    {
      if (isatty (STDIN_FILENO))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("standard input is a terminal; give a file or pipe an archive in"));
          return -1;
        }
      return dup (STDIN_FILENO);
    }
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    pier_set_errno (error, errno, "%s", path);
  return fd;
}

static int
import_run (PierCli *cli, int argc, char **argv, GError **error)
{
  const GOptionEntry entries[] = { { NULL } };
  g_autofree char *id = NULL;
  g_auto (GStrv) warnings = NULL;
  int fd;

  if (!pier_cli_parse (cli, &argc, &argv, "FILE|- [NAME[:TAG]]",
                       N_("Make a one-layer image from a root filesystem tarball"), entries, FALSE,
                       error) ||
      !pier_cli_expect_args (cli, argc, 1, 2, "FILE|- [NAME[:TAG]]", error) ||
      !pier_engine_ping (pier_cli_get_engine (cli), NULL, error) ||
      (fd = open_input (argv[1], error)) < 0)
    return 1;
  id = pier_engine_import (pier_cli_get_engine (cli), fd, argc > 2 ? argv[2] : NULL, argv[1],
                           &warnings, NULL, error);
  close (fd);
  if (id == NULL)
    return 1;
  for (char **w = warnings; *w != NULL; w++)
    fprintf (stderr, _("WARNING: %s\n"), *w);
  printf ("%s\n", id);
  return 0;
}

static int
save_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *output = NULL;
  g_autofree char *format_text = NULL;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write to FILE instead of standard output"), "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format_text, N_("docker-archive (default) or oci-archive"), "FORMAT" },
    { NULL }
  };
  g_autoptr (PierOutputFile) file = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "IMAGE...", N_("Save images to an archive"), entries,
                       FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, -1, "[-o FILE] [--format docker-archive|oci-archive] IMAGE...", error) ||
      !pier_engine_check_save_format (format_text, error) ||
      !pier_engine_ping (pier_cli_get_engine (cli), NULL, error))
    return 1;
  if (output == NULL)
    {
      if (isatty (STDOUT_FILENO))
        {
          g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                       _("refusing to write an archive to a terminal; use -o FILE or redirect"));
          return 1;
        }
    }
  else if ((file = pier_output_file_open (output, 0644, error)) == NULL)
    return 1;
  if (!pier_engine_save (pier_cli_get_engine (cli), (const char *const *) argv + 1, format_text,
                         file ? pier_output_file_get_fd (file) : STDOUT_FILENO, NULL, error) ||
      (file != NULL && !pier_output_file_commit (file, error)))
    return 1;
  return 0;
}

static int
load_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *input = NULL;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input, N_("Read from FILE (an archive or an OCI layout directory) instead of standard input"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("Print nothing"), NULL },
    { NULL }
  };
  g_autoptr (GPtrArray) report = NULL;
  int fd;

  if (!pier_cli_parse (cli, &argc, &argv, "", N_("Load images from a docker-archive or OCI archive"),
                       entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 0, "[-i FILE]", error) ||
      !pier_engine_ping (pier_cli_get_engine (cli), NULL, error))
    return 1;
  if (input != NULL && g_file_test (input, G_FILE_TEST_IS_DIR))
    report = pier_engine_load_layout (pier_cli_get_engine (cli), input, NULL, error);
  else if ((fd = open_input (input, error)) >= 0)
    {
      report = pier_engine_load (pier_cli_get_engine (cli), fd, NULL, error);
      close (fd);
    }
  if (report == NULL)
    return 1;
  for (guint i = 0; i < report->len && !quiet; i++)
    printf ("%s\n", (char *) report->pdata[i]);
  return 0;
}

const PierCliVerb pier_cli_archive_verbs[] = {
  { "import", import_run, N_("Make an image from a root filesystem tarball") },
  { "save", save_run, N_("Save images to an archive") },
  { "load", load_run, N_("Load images from an archive") },
  { NULL }
};
