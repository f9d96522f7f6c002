/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-cli.h"

#include "pier-error.h"
#include "pier-i18n.h"

#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

static const PierCliVerb *const verb_tables[] = {
  pier_cli_container_verbs,
  pier_cli_process_verbs,
  pier_cli_image_verbs,
  pier_cli_archive_verbs,
  pier_cli_registry_verbs,
  pier_cli_build_verbs,
  pier_cli_gui_verbs,
  pier_cli_connection_verbs,
};

static void
print_usage (FILE *out)
{
  fputs (_("Usage: pierctl [--connection NAME] [--root DIR] [--runroot DIR] COMMAND [OPTIONS] "
           "[ARGS]\n\n"
           "Pier manages images and containers on this machine, without a daemon.\n"
           "With --connection NAME (or PIER_CONNECTION=NAME), every command runs against that "
           "connection instead: Docker or Podman, here or on another machine over SSH (see "
           "'pierctl connection ls'). The default is the saved default connection, else “pier”, "
           "the embedded engine.\n\n"
           "Commands:\n"), out);
  for (gsize t = 0; t < G_N_ELEMENTS (verb_tables); t++)
    for (const PierCliVerb *v = verb_tables[t]; v->name; v++)
      fprintf (out, "  %-10s %s\n", v->name, _(v->summary));
  fputs (_("\nRun 'pierctl COMMAND --help' for a command's options.\n"), out);
}

static const PierCliVerb *
find_verb (const char *name)
{
  for (gsize t = 0; t < G_N_ELEMENTS (verb_tables); t++)
    for (const PierCliVerb *v = verb_tables[t]; v->name; v++)
      if (strcmp (v->name, name) == 0)
        return v;
  return NULL;
}

/* Readies the connection the verb runs against: @requested (--connection), else
 * $PIER_CONNECTION, else the saved default. The embedded engine is left to
 * pier_cli_get_engine(), and named with --connection it reads nothing at all. */
static gboolean
choose_connection (PierCli *cli, const char *requested, GError **error)
{
  g_autoptr (PierConnections) connections = NULL;
  const PierConnection *connection;
  const GPtrArray *warnings;
  const char *name;

  if (g_strcmp0 (requested, PIER_CONNECTION_EMBEDDED) == 0)
    return TRUE;
  connections = pier_connections_load ();
  name = pier_connections_choose (connections, requested);
  connection = strcmp (name, PIER_CONNECTION_EMBEDDED) != 0
                   ? pier_connections_lookup (connections, name, error) : NULL;
  warnings = pier_connections_get_warnings (connections);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, _("pierctl: warning: %s\n"), (const char *) warnings->pdata[i]);
  if (strcmp (name, PIER_CONNECTION_EMBEDDED) == 0)
    return TRUE;
  if (connection == NULL ||
      (cli->engine = pier_connection_open_engine (connection, cli->root, cli->runroot,
                                                  error)) == NULL)
    return FALSE;
  cli->connection = g_strdup (connection->name);
  return TRUE;
}

PierEngine *
pier_cli_get_engine (PierCli *cli)
{
  if (cli->engine == NULL)
    cli->engine = PIER_ENGINE (pier_local_engine_new (cli->root, cli->runroot));
  return cli->engine;
}

void
pier_cli_print_error (PierCli *cli, const GError *error)
{
  if (cli->connection != NULL)
    /* Translators: "pierctl ps: connection “d”: PierDockerEngine cannot list containers". */
    fprintf (stderr, _("pierctl %s: connection “%s”: %s\n"), cli->verb, cli->connection,
             error->message);
  else
    fprintf (stderr, "pierctl %s: %s\n", cli->verb, error->message);
}

/* GOption refuses an option's value that is not UTF-8 with "Invalid byte sequence in conversion
 * input", naming neither: find the option and say what it was given. */
static void
name_unconvertible_value (int argc, char **argv, GError *error)
{
  for (int i = 1; i < argc; i++)
    {
      const char *eq = strchr (argv[i], '=');
      g_autofree char *option = NULL;
      g_autofree char *quoted = NULL;
      const char *value = argv[i];

      if (g_utf8_validate (argv[i], -1, NULL))
        continue;
      if (argv[i][0] == '-' && argv[i][1] == '-' && eq != NULL)
        {
          option = g_strndup (argv[i], eq - argv[i]);
          value = eq + 1;
        }
      else if (argv[i][0] != '-' && argv[i - 1][0] == '-' && strchr (argv[i - 1], '=') == NULL)
        option = g_strdup (argv[i - 1]);
      else
        continue;
      quoted = pier_error_quote (value);
      g_free (error->message);
      error->message = g_strdup_printf (_("the value of %s, %s, is not valid UTF-8 text"), option,
                                        quoted);
      return;
    }
}

/* GOption translates the help's texts (summary, descriptions, synopsis) in Pier's catalogue, as
 * g_option_context_set_translation_domain would, except the empty synopsis of a verb without
 * arguments: gettext("") is the catalogue's header. */
static const char *
translate_option_text (const char *text, gpointer data)
{
  return text[0] != '\0' ? _(text) : text;
}

gboolean
pier_cli_parse (PierCli *cli, int *argc, char ***argv, const char *parameters,
                const char *summary, const GOptionEntry *entries, gboolean stop_at_first_argument,
                GError **error)
{
  const GOptionEntry global_entries[] = {
    { "root", 0, 0, G_OPTION_ARG_FILENAME, &cli->root, N_("Store directory"), "DIR" },
    { "runroot", 0, 0, G_OPTION_ARG_FILENAME, &cli->runroot, N_("Runtime state directory"),
      "DIR" },
    { NULL }
  };
  g_autofree char *prog = g_strdup_printf ("pierctl %s", cli->verb);
  g_autoptr (GOptionContext) context = g_option_context_new (parameters);
  /* GOption shows a group's heading as given, and translates the rest. */
  GOptionGroup *global = g_option_group_new ("global", _("Global options"),
                                             N_("Show global options"), NULL, NULL);
  /* GOption reorders and removes what it parses, even when it fails. */
  int original_argc = *argc;
  g_autofree char **original_argv = g_memdup2 (*argv, sizeof (char *) * (*argc + 1));

  g_set_prgname (prog);
  g_option_context_set_translate_func (context, translate_option_text, NULL, NULL);
  g_option_group_set_translate_func (global, translate_option_text, NULL, NULL);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_group_add_entries (global, global_entries);
  g_option_context_add_group (context, global);
  g_option_context_set_strict_posix (context, stop_at_first_argument);
  if (!g_option_context_parse (context, argc, argv, error))
    {
      if ((*error)->domain == G_CONVERT_ERROR)
        name_unconvertible_value (original_argc, original_argv, *error);
      (*error)->domain = PIER_ERROR;
      (*error)->code = PIER_ERROR_INVALID;
      return FALSE;
    }
  /* "--" ends the options; GOption leaves it when strict, so drop it. */
  if (*argc > 1 && strcmp ((*argv)[1], "--") == 0)
    {
      memmove (&(*argv)[1], &(*argv)[2], (*argc - 1) * sizeof (char *));
      (*argc)--;
    }
  return TRUE;
}

gboolean
pier_cli_expect_args (PierCli *cli, int argc, int min, int max, const char *usage,
                      GError **error)
{
  int n = argc - 1;
  const char *needs = min == max ? (min == 1 ? _("exactly one argument")
                                              : _("a fixed number of arguments"))
                                  : (n < min ? _("more arguments") : _("fewer arguments"));

  if (n >= min && (max < 0 || n <= max))
    return TRUE;
  /* Translators: "“rm” needs more arguments (usage: pierctl rm [-f] CONTAINER...)". */
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("“%s” needs %s (usage: pierctl %s %s)"),
               cli->verb, needs, cli->verb, usage);
  return FALSE;
}

int
pier_cli_main (int argc, char **argv)
{
  PierCli cli = { NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PierLocalEngine) prepared = NULL;
  const PierCliVerb *verb;
  g_autofree char *requested = NULL;
  int first = 1;
  int status;

  /* The C locale's ASCII would make GOption refuse every option value that is not ASCII, though
   * Pier's text is UTF-8 throughout: read it as C.UTF-8, as Python does (PEP 538). */
  if (strcmp (nl_langinfo (CODESET), "ANSI_X3.4-1968") == 0)
    setlocale (LC_CTYPE, "C.UTF-8");
  /* Global options before the verb. */
  while (first < argc && argv[first][0] == '-')
    {
      const char *arg = argv[first];
      const char *value = NULL;
      char **target = NULL;

      if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        {
          print_usage (stdout);
          return 0;
        }
      if (strcmp (arg, "--version") == 0)
        {
          printf ("pierctl version " PIER_VERSION "\n");
          return 0;
        }
      if (strcmp (arg, "--connection") == 0 || g_str_has_prefix (arg, "--connection="))
        target = &requested;
      else if (g_str_has_prefix (arg, "--root"))
        target = &cli.root;
      else if (g_str_has_prefix (arg, "--runroot"))
        target = &cli.runroot;
      if (target != NULL && strchr (arg, '=') != NULL)
        value = strchr (arg, '=') + 1;
      else if (target != NULL && (strcmp (arg, "--root") == 0 || strcmp (arg, "--runroot") == 0 ||
                                  strcmp (arg, "--connection") == 0) && first + 1 < argc)
        value = argv[++first];
      if (value == NULL)
        {
          fprintf (stderr, _("pierctl: unknown option %s (see pierctl --help)\n"), arg);
          return 125;
        }
      g_free (*target);
      *target = g_strdup (value);
      first++;
    }
  if (first >= argc)
    {
      print_usage (stderr);
      return 125;
    }
  verb = find_verb (argv[first]);
  if (verb == NULL)
    {
      fprintf (stderr, _("pierctl: unknown command “%s” (see pierctl --help)\n"), argv[first]);
      return 125;
    }
  cli.verb = verb->name;
  if (!(verb->flags & PIER_CLI_VERB_NO_ENGINE) && !choose_connection (&cli, requested, &error))
    {
      fprintf (stderr, "pierctl: %s\n", error->message);
      return 125;
    }
  /* The paths first: they depend on who we are, and an unprivileged user is root from here on
   * (inside the rootless user namespace). */
  prepared = pier_local_engine_new (cli.root, cli.runroot);
  g_free (cli.root);
  g_free (cli.runroot);
  cli.root = g_strdup (pier_local_engine_get_root (prepared));
  cli.runroot = g_strdup (pier_local_engine_get_runroot (prepared));
  /* Another engine's calls go to its peer: nothing here needs the user namespace. */
  if (cli.engine == NULL && !(verb->flags & PIER_CLI_VERB_NO_ENGINE) &&
      !pier_local_engine_prepare (prepared, &error))
    {
      fprintf (stderr, "pierctl: %s\n", error->message);
      return 125;
    }
  status = verb->run (&cli, argc - first, argv + first, &error);
  if (error != NULL)
    {
      pier_cli_print_error (&cli, error);
      if (status == 0)
        status = 1;
    }
  g_clear_object (&cli.engine);
  g_free (cli.connection);
  g_free (cli.root);
  g_free (cli.runroot);
  return status;
}
