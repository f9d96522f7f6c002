/* SPDX-License-Identifier: GPL-3.0-or-later */
/* pierctl connection add, ls, rm, default. */
#include "pier-cli.h"
#include "pier-cli-format.h"

#include "pier-error.h"
#include "pier-i18n.h"
#include "pier-json.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int
connection_add (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *identity = NULL;
  g_autofree char *kind_text = NULL;
  gboolean make_default = FALSE;
  const GOptionEntry entries[] = {
    { "identity", 0, 0, G_OPTION_ARG_FILENAME, &identity,
      N_("The SSH key file to use (default: the agent and ssh's own configuration)"), "FILE" },
    { "kind", 0, 0, G_OPTION_ARG_STRING, &kind_text,
      N_("Whose engine listens there: docker (the default) or podman"), "KIND" },
    { "default", 0, 0, G_OPTION_ARG_NONE, &make_default,
      N_("Make it the default connection"), NULL },
    { NULL }
  };
  PierConnectionKind kind = PIER_CONNECTION_KIND_DOCKER;
  g_autoptr (PierConnections) connections = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "NAME URI",
                       N_("Save a connection to a Docker or Podman engine: unix:///PATH, or "
                          "ssh://[USER@]HOST[:PORT][/SOCKET]"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 2, 2,
                             "[--identity FILE] [--kind docker|podman] [--default] NAME URI",
                             error))
    return 1;
  if (kind_text != NULL && !pier_connection_kind_parse (kind_text, &kind, error))
    {
      g_prefix_error (error, "--kind: ");
      return 1;
    }
  connections = pier_connections_load ();
  if (!pier_connections_add (connections, argv[1], argv[2], kind, identity, error) ||
      (make_default && !pier_connections_set_default (connections, argv[1], error)))
    return 1;
  return 0;
}

static int
connection_ls (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *format = NULL;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, N_("Output format: table or json"), "FORMAT" },
    { NULL }
  };
  g_autoptr (PierConnections) connections = NULL;
  g_autoptr (PierTable) table = NULL;
  const GPtrArray *warnings;
  GPtrArray *all;
  const char *chosen;

  if (!pier_cli_parse (cli, &argc, &argv, "",
                       N_("List the connections: the embedded engine, the saved ones, and those "
                          "found on this machine"), entries, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 0, 0, "[--format json]", error) ||
      !pier_format_check (format, error))
    return 1;
  connections = pier_connections_load ();
  pier_connections_find (connections);
  warnings = pier_connections_get_warnings (connections);
  for (guint i = 0; i < warnings->len; i++)
    fprintf (stderr, _("pierctl connection ls: warning: %s\n"), (const char *) warnings->pdata[i]);
  all = pier_connections_get_all (connections);
  chosen = pier_connections_get_default (connections);
  if (g_strcmp0 (format, "json") == 0)
    {
      g_auto (PierJsonWriter) w = { NULL };
      json_t *list = json_array ();

      for (guint i = 0; i < all->len; i++)
        {
          const PierConnection *connection = all->pdata[i];
          json_t *obj = json_object ();

          pier_json_set_text (&w, obj, "Name", connection->name);
          pier_json_set_text (&w, obj, "Kind", pier_connection_kind_to_string (connection->kind));
          pier_json_set_text (&w, obj, "URI", connection->uri);
          pier_json_set_text (&w, obj, "Identity", connection->identity_file);
          pier_json_set_text (&w, obj, "Origin",
                              pier_connection_origin_to_string (connection->origin));
          pier_json_set (&w, obj, "Default",
                         json_boolean (strcmp (connection->name, chosen) == 0));
          pier_json_append (&w, list, obj);
        }
      return pier_format_print_json (&w, list, error) ? 0 : 1;
    }
  table = pier_table_new ("NAME", "KIND", "URI", "ORIGIN", "DEFAULT", NULL);
  for (guint i = 0; i < all->len; i++)
    {
      const PierConnection *connection = all->pdata[i];

      pier_table_add_row (table, connection->name,
                          pier_connection_kind_to_string (connection->kind),
                          connection->uri != NULL ? connection->uri : "-",
                          pier_connection_origin_to_string (connection->origin),
                          strcmp (connection->name, chosen) == 0 ? "*" : "", NULL);
    }
  pier_table_print (table);
  return 0;
}

static int
connection_rm (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autoptr (PierConnections) connections = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "NAME", N_("Remove a saved connection"), NULL, FALSE,
                       error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "NAME", error))
    return 1;
  connections = pier_connections_load ();
  return pier_connections_remove (connections, argv[1], error) ? 0 : 1;
}

static int
connection_default (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autoptr (PierConnections) connections = NULL;

  if (!pier_cli_parse (cli, &argc, &argv, "NAME",
                       N_("Make a connection the default of every command (“pier”: the "
                          "embedded engine)"), NULL, FALSE, error) ||
      !pier_cli_expect_args (cli, argc, 1, 1, "NAME", error))
    return 1;
  connections = pier_connections_load ();
  return pier_connections_set_default (connections, argv[1], error) ? 0 : 1;
}

static const struct {
  const char *name;
  const char *verb; /* as errors and --help name it */
  PierCliVerbFunc run;
  const char *summary;
} subcommands[] = {
  { "add", "connection add", connection_add, N_("Save a connection") },
  { "ls", "connection ls", connection_ls, N_("List the connections") },
  { "rm", "connection rm", connection_rm, N_("Remove a saved connection") },
  { "default", "connection default", connection_default, N_("Choose the default connection") },
};

static void
print_subcommands (FILE *out)
{
  fputs (_("Usage: pierctl connection COMMAND [OPTIONS] [ARGS]\n\n"
           "Connections are the engines pierctl and the window talk to: “pier” (the embedded "
           "engine), the saved ones, and those found on this machine.\n\n"
           "Commands:\n"), out);
  for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
    fprintf (out, "  %-10s %s\n", subcommands[i].name, _(subcommands[i].summary));
}

static int
connection_run (PierCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *quoted = NULL;

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_subcommands (argc < 2 ? stderr : stdout);
      return argc < 2 ? 125 : 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (subcommands); i++)
    if (strcmp (argv[1], subcommands[i].name) == 0)
      {
        cli->verb = subcommands[i].verb;
        return subcommands[i].run (cli, argc - 1, argv + 1, error);
      }
  quoted = pier_error_quote (argv[1]);
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("unknown command %s: add, ls, rm or default"), quoted);
  return 125;
}

const PierCliVerb pier_cli_connection_verbs[] = {
  { "connection", connection_run, N_("Manage connections to other engines"),
    PIER_CLI_VERB_NO_ENGINE },
  { NULL }
};
